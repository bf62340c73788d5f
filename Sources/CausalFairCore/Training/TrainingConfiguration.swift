/// The training objectives of DESIGN §4.
public enum Objective: Int, Sendable, CaseIterable {
    /// Binary cross-entropy.
    case erm = 0
    /// Adversarial learning: BCE at a PGD point of the input-space L2 ball of radius ε.
    case al = 1
    /// Causal adversarial learning by sampling: BCE at the worst of m samples of B_Δ(x).
    case cal = 2
    /// Local linearity regularisation (Qin et al. 2019) on the loss.
    case llr = 3
    /// The CAPIFY objective: BCE + λ·linearity gap of the logit + μ·‖∇ₓg‖² + ν·worst twin BCE.
    case capify = 4
    /// Causal adversarial training: BCE at the worst point of B_Δ(x).
    case causalAT = 5
    /// Causal TRADES: BCE + β·KL(h(x) ‖ h(x′)), x′ the point of B_Δ(x) maximising the KL.
    case trades = 6
    /// Ross et al. 2021: BCE + λ·BCE(g(x + δ), 1), δ the ε-step toward the favourable
    /// class on the actionable columns (`actionableColumns`).
    case ross = 7
    /// SenSeI (Yurochkin & Sun 2021): BCE + λ·(g(x) − g(x′))², x′ the auditor's point
    /// under the sensitive-subspace fair metric (transport cost μ).
    case sensei = 8
}

/// The update rule.
public enum OptimizerKind: Int, Sendable {
    /// Adam with PyTorch's defaults (β = 0.9, 0.999; ε = 1e-8).
    case adam = 0
    /// Plain stochastic gradient descent.
    case sgd = 1
    /// Full-batch Newton's method (`NewtonSolver`): logistic regression under `erm`
    /// only, without twin penalty or validation split. `epochs` is then the largest
    /// number of Newton steps, and `batchSize` and `learningRate` are not used.
    case newton = 2
}

/// Everything a training run needs besides the data and the model.
public struct TrainingConfiguration: Sendable, Equatable {
    /// The objective.
    public var objective: Objective = .erm
    /// Passes over the training rows.
    public var epochs = 10
    /// Rows per minibatch.
    public var batchSize = 100
    /// Optimiser step size.
    public var learningRate = 0.01
    /// Update rule.
    public var optimizer: OptimizerKind = .adam
    /// L2 weight decay added to the gradient.
    public var weightDecay = 0.0
    /// Newton: stop when the largest absolute entry of the objective's gradient is at
    /// most this.
    public var tolerance = 1e-8
    /// Fraction of rows held out for early stopping (0: none).
    public var validationFraction = 0.0
    /// Epochs without validation improvement before stopping (with a validation set).
    public var patience = 5
    /// Radius Δ of the causal perturbation ball (cal, causal_at, trades).
    public var radius = 0.05
    /// Radius ε of the input-space ball (al, llr, capify); the length of ross's step
    /// toward the favourable class; the scale of sensei's random auditor start.
    public var epsilon = 0.05
    /// Inner maximisation steps (al, causal_at, llr, capify, trades, sensei's auditor).
    public var steps = 10
    /// PGD step size (al, causal_at, trades); 0 means 2.5 × radius / steps.
    public var stepSize = 0.0
    /// Inner Adam step size (llr, capify, sensei's auditor).
    public var innerLearningRate = 0.1
    /// Candidates per row (cal).
    public var samples = 10
    /// Weights λ, μ, ν (llr uses λ and μ; capify all three; ross λ, the weight of its
    /// recourse term; sensei λ, the weight of its invariance term, and μ, the auditor's
    /// transport cost).
    public var lambda = 1.0, mu = 1.0, nu = 1.0
    /// Weight of the twin-consistency penalty max over twins of |g(twin) − g(x)|.
    public var twinPenalty = 0.0
    /// Weight β of the KL term (trades).
    public var beta = 6.0
    /// causal_at: use the closed form when the model is linear and the SCM is linear.
    public var exactWhenLinear = true
    /// DP-SGD instead of plain minibatches (`DifferentialPrivacy`); nil: off.
    public var privacy: DifferentialPrivacy? = nil
    /// Seed of initialisation-independent randomness (shuffling, inner starts, samples).
    public var seed: UInt64 = 0
    /// The columns a person can act on: ross's recourse step moves only them and capify's
    /// gradient penalty covers only them. Each must be perturbable; empty: every
    /// perturbable column (checked against the run's space by `Trainer.train`).
    public var actionableColumns: [Int] = []
    /// Engine threads a minibatch's pieces run on (`ObjectiveContext.evaluateInPieces`);
    /// 0: every available core. The result does not depend on it, bit for bit.
    public var threads = 0
    /// Median seconds per minibatch from which the pieces run on `threads` threads rather
    /// than on the calling thread (`SmallWorkThreads`); 0 always uses them.
    var parallelFromSeconds = SmallWorkThreads.parallelFrom

    /// A configuration with the defaults above.
    public init() {}

    /// The largest `epochs` (Newton: steps) a run takes.
    public static let maximumEpochs = 1_000_000
    /// The largest `steps` of the inner maximisation.
    public static let maximumSteps = 100_000
    /// The largest `samples` (candidates per row of cal).
    public static let maximumSamples = 1_000_000

    /// Throws for a setting outside its range.
    public func validate() throws {
        // Messages in the style of every parameter check of causalfair (Python's too):
        // "name: expected <what is allowed>, got <value>".
        func require(_ condition: Bool, _ name: String, _ allowed: String, _ value: Any) throws {
            if !condition { throw CausalFairError.invalidArgument("\(name): expected \(allowed), got \(value)") }
        }
        func count(_ value: Int, _ name: String, _ low: Int, _ high: Int?) throws {
            let allowed = high.map { "an int in [\(low), \($0)]" } ?? "an int >= \(low)"
            try require(value >= low && value <= (high ?? Int.max), name, allowed, value)
        }
        func real(_ value: Double, _ name: String, positive: Bool = false) throws {
            try require(value.isFinite && (positive ? value > 0 : value >= 0), name,
                        positive ? "a finite number > 0" : "a finite number >= 0", value)
        }
        try count(epochs, "epochs", 0, Self.maximumEpochs)
        try count(batchSize, "batch_size", 1, nil)
        try real(learningRate, "learning_rate", positive: true)
        try real(weightDecay, "weight_decay")
        try require(validationFraction >= 0 && validationFraction < 1, "validation_fraction",
                    "a finite number in [0, 1)", validationFraction)
        try count(patience, "patience", 1, nil)
        try real(radius, "radius")
        try real(epsilon, "epsilon")
        try count(steps, "steps", 0, Self.maximumSteps)
        try real(stepSize, "step_size")
        try real(innerLearningRate, "inner_learning_rate", positive: true)
        try count(samples, "n_samples", 1, Self.maximumSamples)
        for (name, value) in [("lambda", lambda), ("mu", mu), ("nu", nu), ("twin_penalty", twinPenalty), ("beta", beta)] {
            try real(value, name)
        }
        try real(tolerance, "tol")
        _ = try ParallelPieces.threads(threads)
        if let privacy {
            try privacy.validate()
            try require(optimizer != .newton, "optimizer", "adam or sgd with differential privacy", optimizer)
            try require(validationFraction == 0, "validation_fraction",
                        "0 with differential privacy (early stopping on held-out rows is not private)",
                        validationFraction)
        }
        if optimizer == .newton {
            try require(objective == .erm, "objective",
                        "erm with optimizer newton (it minimises the convex erm objective only)", objective)
            try require(twinPenalty == 0, "twin_penalty",
                        "0 with optimizer newton (the penalty is not smooth)", twinPenalty)
            try require(validationFraction == 0, "validation_fraction",
                        "0 with optimizer newton (it runs to convergence on all rows)", validationFraction)
        }
    }

    /// The PGD step size actually used for a ball of radius `ballRadius`.
    func pgdStep(for ballRadius: Double) -> Double {
        ProjectedAscent.stepSize(requested: stepSize, radius: ballRadius, steps: steps)
    }
}
