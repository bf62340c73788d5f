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
    /// Radius ε of the input-space ball (al, llr, capify).
    public var epsilon = 0.05
    /// Inner maximisation steps (al, causal_at, llr, capify, trades).
    public var steps = 10
    /// PGD step size (al, causal_at, trades); 0 means 2.5 × radius / steps.
    public var stepSize = 0.0
    /// Inner Adam step size (llr, capify).
    public var innerLearningRate = 0.1
    /// Candidates per row (cal).
    public var samples = 10
    /// Weights λ, μ, ν (llr uses λ and μ; capify all three).
    public var lambda = 1.0, mu = 1.0, nu = 1.0
    /// Weight of the twin-consistency penalty max over twins of |g(twin) − g(x)|.
    public var twinPenalty = 0.0
    /// Weight β of the KL term (trades).
    public var beta = 6.0
    /// causal_at: use the closed form when the model is linear and the SCM is linear.
    public var exactWhenLinear = true
    /// Seed of initialisation-independent randomness (shuffling, inner starts, samples).
    public var seed: UInt64 = 0

    /// A configuration with the defaults above.
    public init() {}

    /// Throws for a setting outside its range.
    public func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw CausalFairError.invalidArgument(message) }
        }
        try require(epochs >= 0 && epochs <= 1_000_000, "epochs must be in 0...1000000, got \(epochs)")
        try require(batchSize > 0, "batch_size must be > 0, got \(batchSize)")
        try require(learningRate > 0 && learningRate.isFinite, "learning_rate must be > 0, got \(learningRate)")
        try require(weightDecay >= 0 && weightDecay.isFinite, "weight_decay must be >= 0, got \(weightDecay)")
        try require(validationFraction >= 0 && validationFraction < 1,
                    "validation_fraction must be in [0, 1), got \(validationFraction)")
        try require(patience > 0, "patience must be > 0, got \(patience)")
        try require(radius >= 0 && radius.isFinite, "radius must be finite and >= 0, got \(radius)")
        try require(epsilon >= 0 && epsilon.isFinite, "epsilon must be finite and >= 0, got \(epsilon)")
        try require(steps >= 0 && steps <= 100_000, "steps must be in 0...100000, got \(steps)")
        try require(stepSize >= 0 && stepSize.isFinite, "step_size must be >= 0, got \(stepSize)")
        try require(innerLearningRate > 0 && innerLearningRate.isFinite,
                    "inner_learning_rate must be > 0, got \(innerLearningRate)")
        try require(samples > 0 && samples <= 1_000_000, "n_samples must be in 1...1000000, got \(samples)")
        for (name, value) in [("lambda", lambda), ("mu", mu), ("nu", nu), ("twin_penalty", twinPenalty), ("beta", beta)] {
            try require(value >= 0 && value.isFinite, "\(name) must be finite and >= 0, got \(value)")
        }
        try require(tolerance >= 0 && tolerance.isFinite, "tol must be finite and >= 0, got \(tolerance)")
        if optimizer == .newton {
            try require(objective == .erm, "optimizer newton minimises the convex erm objective only, got objective \(objective)")
            try require(twinPenalty == 0, "optimizer newton needs twin_penalty = 0 (the penalty is not smooth), got \(twinPenalty)")
            try require(validationFraction == 0,
                        "optimizer newton runs to convergence on all rows: validation_fraction must be 0, got \(validationFraction)")
        }
    }

    /// The PGD step size actually used for a ball of radius `ballRadius`.
    func pgdStep(for ballRadius: Double) -> Double {
        ProjectedAscent.stepSize(requested: stepSize, radius: ballRadius, steps: steps)
    }
}
