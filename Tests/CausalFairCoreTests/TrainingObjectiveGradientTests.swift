import Testing
@testable import CausalFairCore

/// Parameter gradients of every training objective against central finite
/// differences of its loss, with the randomness (inner maximiser δ) held fixed, and
/// each loss value against an independent computation from its definition.
@Suite("Training objective gradients")
struct TrainingObjectiveGradientTests {
    /// A fitted SCM, data from it, its latent space, and a classifier.
    struct Fixture {
        let scm: StructuralCausalModel
        let x: Matrix
        let labels: [Double]
        let space: LatentSpace
        let model: MultilayerPerceptron
        let batch: TrainingBatch

        /// `nonlinear`: the SCM with MLP mechanisms and an immutable node; else LIN.
        /// `linearModel`: logistic regression; else a tanh MLP with two hidden layers.
        init(nonlinear: Bool, linearModel: Bool = false, activation: Activation = .tanh, rows: [Int] = Array(0..<6),
             seed: UInt64 = 201) throws {
            let fitted = nonlinear ? try TrainingNonlinearSCM.fitted() : try TrainingLIN.fitted(rows: 400)
            scm = fitted.scm
            x = fitted.x
            labels = fitted.labels
            space = try LatentSpace(scm: scm, columns: x.cols)
            model = try trainingNetwork(linearModel ? [x.cols, 1] : [x.cols, 6, 5, 1], activation, seed: seed)
            batch = try trainingBatch(x, labels, rows: rows, space: space)
        }

        /// The loss of `evaluate` at parameters `p` (deterministic objectives only).
        func loss(_ configuration: TrainingConfiguration, at p: [Double]) throws -> Double {
            var generator = Xoshiro256StarStar(seed: 0)
            return try trainingObjective(try trainingWithParameters(model, p), configuration, space: space)
                .evaluate(batch, generator: &generator).loss
        }
    }

    /// ∇ₓg at the rows of `x` and the logits, by the engine's (separately checked) input gradient.
    static func logitsAndInputGradients(_ model: MultilayerPerceptron, _ x: Matrix) -> (logits: [Double], gradient: Matrix) {
        let layers = model.forwardPass(x)
        return (layers[layers.count - 1].storage, model.inputGradientPass(layers).gradient)
    }

    static func bce(_ g: Double, _ y: Double) -> Double { softplus(g) - y * g }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    // MARK: erm

    @Test("erm: loss is the mean BCE and its gradient matches finite differences", arguments: [false, true])
    func erm(linearModel: Bool) throws {
        let f = try Fixture(nonlinear: false, linearModel: linearModel)
        var configuration = TrainingConfiguration()
        configuration.objective = .erm
        var generator = Xoshiro256StarStar(seed: 0)
        let (loss, gradient) = try trainingObjective(f.model, configuration, space: f.space)
            .evaluate(f.batch, generator: &generator)
        #expect(abs(loss - trainingMeanBCE(f.model, f.batch.x, f.batch.labels)) < 1e-12)
        let numeric = try finiteDifferenceGradient({ try f.loss(configuration, at: $0) }, at: f.model.parameters)
        #expect(trainingClose(gradient, numeric), "worst ratio \(trainingWorstRatio(gradient, numeric))")
        #expect(norm(gradient) > 1e-3)
    }

    @Test("crossEntropy(at:labels:) gradient matches finite differences at arbitrary points")
    func crossEntropyGradient() throws {
        let f = try Fixture(nonlinear: true)
        var generator = Xoshiro256StarStar(seed: 202)
        let points = randomMatrix(rows: 5, cols: f.x.cols, generator: &generator)
        let labels: [Double] = [1, 0, 0, 1, 1]
        let configuration = TrainingConfiguration()
        let (loss, gradient) = try trainingObjective(f.model, configuration, space: f.space)
            .crossEntropy(at: points, labels: labels)
        #expect(abs(loss - trainingMeanBCE(f.model, points, labels)) < 1e-12)
        let numeric = try finiteDifferenceGradient({ p in
            try trainingObjective(try trainingWithParameters(f.model, p), configuration, space: f.space)
                .crossEntropy(at: points, labels: labels).loss
        }, at: f.model.parameters)
        #expect(trainingClose(gradient, numeric), "worst ratio \(trainingWorstRatio(gradient, numeric))")
    }

    // MARK: llr

    @Test("llr: loss at a fixed δ is ℓ + λ|gap| + μ|δᵀ∇ℓ| and its exact gradient matches finite differences",
          arguments: [(false, Activation.tanh), (true, .tanh), (false, .relu)])
    func localLinearity(linearModel: Bool, activation: Activation) throws {
        let f = try Fixture(nonlinear: false, linearModel: linearModel, activation: activation)
        var configuration = TrainingConfiguration()
        configuration.objective = .llr
        configuration.lambda = 1.3
        configuration.mu = 0.7
        var generator = Xoshiro256StarStar(seed: 203)
        let delta = randomMatrix(rows: f.batch.rows, cols: f.x.cols, scale: 0.4, generator: &generator)
        let objective = try trainingObjective(f.model, configuration, space: f.space)
        let (loss, gradient) = LocalLinearityRegularisation.loss(f.batch, delta: delta, in: objective)

        // The loss from its definition, with ∇ℓ = (σ(g) − y)∇g.
        let (logits, inputGradient) = Self.logitsAndInputGradients(f.model, f.batch.x)
        let shifted = f.model(f.batch.x + delta).storage
        var expected = 0.0, smallestKink = Double.infinity
        for r in 0..<f.batch.rows {
            let y = f.batch.labels[r]
            let linear = (sigmoid(logits[r]) - y) * Self.dot(row(delta, r), row(inputGradient, r))
            let gap = Self.bce(shifted[r], y) - Self.bce(logits[r], y) - linear
            expected += Self.bce(logits[r], y) + 1.3 * abs(gap) + 0.7 * abs(linear)
            smallestKink = min(smallestKink, abs(gap), abs(linear))
        }
        expected /= Double(f.batch.rows)
        #expect(abs(loss - expected) < 1e-12 * max(1, abs(expected)), "\(loss) vs \(expected)")
        // |·| is differentiable at these values: no gap within the step's reach of 0.
        #expect(smallestKink > 1e-5)

        let numeric = try finiteDifferenceGradient({ p in
            LocalLinearityRegularisation.loss(f.batch, delta: delta, in: try trainingObjective(
                try trainingWithParameters(f.model, p), configuration, space: f.space)).loss
        }, at: f.model.parameters)
        #expect(trainingClose(gradient, numeric), "worst ratio \(trainingWorstRatio(gradient, numeric))")
    }

    @Test("llr: evaluate uses its inner maximiser, which stays in the ε-ball and widens the gap")
    func localLinearityWiring() throws {
        let f = try Fixture(nonlinear: false)
        var configuration = TrainingConfiguration()
        configuration.objective = .llr
        configuration.epsilon = 0.2
        let objective = try trainingObjective(f.model, configuration, space: f.space)
        var a = Xoshiro256StarStar(seed: 204), b = a
        let evaluated = try objective.evaluate(f.batch, generator: &a)
        let delta = LocalLinearityRegularisation.perturbation(f.batch, in: objective, generator: &b)
        let direct = LocalLinearityRegularisation.loss(f.batch, delta: delta, in: objective)
        #expect(evaluated.loss == direct.loss)
        #expect(bitIdentical(evaluated.gradient, direct.gradient))
        for r in 0..<delta.rows { #expect(norm(row(delta, r)) <= 0.2 * (1 + 1e-12)) }
        // The maximiser beats δ = 0 (gap 0) and a random δ of the same size, on the gap term.
        var random = Xoshiro256StarStar(seed: 205)
        var other = randomMatrix(rows: delta.rows, cols: delta.cols, generator: &random)
        for r in 0..<other.rows {
            let n = norm(row(other, r))
            for c in 0..<other.cols { other[r, c] *= 0.2 / n }
        }
        var gapOnly = configuration
        gapOnly.mu = 0
        let gapObjective = try trainingObjective(f.model, gapOnly, space: f.space)
        let atMaximiser = LocalLinearityRegularisation.loss(f.batch, delta: delta, in: gapObjective).loss
        let atRandom = LocalLinearityRegularisation.loss(f.batch, delta: other, in: gapObjective).loss
        let atZero = LocalLinearityRegularisation.loss(f.batch, delta: Matrix(rows: delta.rows, cols: delta.cols), in: gapObjective).loss
        #expect(atMaximiser > atZero)
        #expect(atMaximiser >= atRandom, "\(atMaximiser) < \(atRandom)")
    }

    // MARK: capify

    @Test("capify with actionable columns named: the penalty drops the columns left out, μ · mean (∂g/∂x_c)² each; naming every perturbable column is the default")
    func capifyActionable() throws {
        let f = try Fixture(nonlinear: true)
        var configuration = TrainingConfiguration()
        configuration.objective = .capify
        configuration.mu = 0.6
        configuration.nu = 0
        var generator = Xoshiro256StarStar(seed: 207)
        let delta = randomMatrix(rows: f.batch.rows, cols: f.x.cols, scale: 0.3, generator: &generator)
        let every = Capify.loss(f.batch, delta: delta, in: try trainingObjective(f.model, configuration, space: f.space))
        configuration.actionableColumns = [2, 3]
        let named = Capify.loss(f.batch, delta: delta, in: try trainingObjective(f.model, configuration, space: f.space))
        #expect(every.loss == named.loss && bitIdentical(every.gradient, named.gradient))
        configuration.actionableColumns = [3]
        let fewer = Capify.loss(f.batch, delta: delta, in: try trainingObjective(f.model, configuration, space: f.space))
        let (_, inputGradient) = Self.logitsAndInputGradients(f.model, f.batch.x)
        let dropped = 0.6 * (0..<f.batch.rows).reduce(0) { $0 + inputGradient[$1, 2] * inputGradient[$1, 2] } / Double(f.batch.rows)
        #expect(dropped > 1e-6)
        #expect(abs((every.loss - fewer.loss) - dropped) <= 1e-12 * max(1, every.loss))
    }

    @Test("capify: loss at a fixed δ follows its definition (μ on actionable columns only, ν over twins); gradient matches finite differences",
          arguments: [(false, Activation.tanh), (true, .tanh), (true, .relu)])
    func capify(nonlinear: Bool, activation: Activation) throws {
        let f = try Fixture(nonlinear: nonlinear, activation: activation)
        var configuration = TrainingConfiguration()
        configuration.objective = .capify
        configuration.lambda = 1.1
        configuration.mu = 0.6
        configuration.nu = 0.8
        var generator = Xoshiro256StarStar(seed: 206)
        let delta = randomMatrix(rows: f.batch.rows, cols: f.x.cols, scale: 0.3, generator: &generator)
        let objective = try trainingObjective(f.model, configuration, space: f.space)
        let (loss, gradient) = Capify.loss(f.batch, delta: delta, in: objective)

        // Independent loss: BCE + λ|g(x+δ) − g(x) − δᵀ∇g| + μ Σ_{c actionable} (∂g/∂x_c)² + ν max_s BCE(twin_s).
        let actionable = f.scm.perturbable
        #expect(actionable.contains(false) && actionable.contains(true))
        let (logits, inputGradient) = Self.logitsAndInputGradients(f.model, f.batch.x)
        let shifted = f.model(f.batch.x + delta).storage
        let twins = try #require(f.batch.twins)
        let twinLogits = f.model(twins).storage
        let levels = f.space.levelCount
        #expect(levels == 2)
        var expected = 0.0, smallestKink = Double.infinity, smallestTie = Double.infinity, kinked = 0
        for r in 0..<f.batch.rows {
            let y = f.batch.labels[r]
            let grad = row(inputGradient, r)
            let gap = shifted[r] - logits[r] - Self.dot(row(delta, r), grad)
            let squared = (0..<f.x.cols).filter { actionable[$0] }.reduce(0) { $0 + grad[$1] * grad[$1] }
            let twinLosses = (0..<levels).map { Self.bce(twinLogits[r * levels + $0], y) }
            expected += Self.bce(logits[r], y) + 1.1 * abs(gap) + 0.6 * squared + 0.8 * (twinLosses.max() ?? 0)
            // A ReLU network is piecewise linear: when x and x + δ share a linear region the
            // gap is identically 0 near θ (up to rounding), which is differentiable.
            if activation == .tanh || abs(gap) > 1e-12 { smallestKink = min(smallestKink, abs(gap)); kinked += 1 }
            smallestTie = min(smallestTie, abs(twinLosses[0] - twinLosses[1]))
        }
        expected /= Double(f.batch.rows)
        #expect(abs(loss - expected) < 1e-12 * max(1, abs(expected)), "\(loss) vs \(expected)")
        #expect(smallestKink > 1e-5 && smallestTie > 1e-5)
        #expect(kinked >= 3, "too few rows with a nonzero gap")
        if activation == .relu {
            for points in [f.batch.x, f.batch.x + delta, twins] { #expect(trainingSmallestPreActivation(f.model, points) > 1e-4) }
        }

        let numeric = try finiteDifferenceGradient({ p in
            Capify.loss(f.batch, delta: delta, in: try trainingObjective(
                try trainingWithParameters(f.model, p), configuration, space: f.space)).loss
        }, at: f.model.parameters)
        #expect(trainingClose(gradient, numeric), "worst ratio \(trainingWorstRatio(gradient, numeric))")
    }

    @Test("capify on logistic regression: gradient matches finite differences (the μ term is quadratic in w)")
    func capifyLinear() throws {
        let f = try Fixture(nonlinear: false, linearModel: true)
        var configuration = TrainingConfiguration()
        configuration.objective = .capify
        configuration.mu = 0.9
        configuration.nu = 0.5
        var generator = Xoshiro256StarStar(seed: 207)
        let delta = randomMatrix(rows: f.batch.rows, cols: f.x.cols, scale: 0.3, generator: &generator)
        let (loss, gradient) = Capify.loss(f.batch, delta: delta,
                                               in: try trainingObjective(f.model, configuration, space: f.space))
        let numeric = try finiteDifferenceGradient({ p in
            Capify.loss(f.batch, delta: delta, in: try trainingObjective(
                try trainingWithParameters(f.model, p), configuration, space: f.space)).loss
        }, at: f.model.parameters)
        #expect(loss.isFinite)
        #expect(trainingClose(gradient, numeric), "worst ratio \(trainingWorstRatio(gradient, numeric))")
    }

    @Test("capify: evaluate uses its inner maximiser, which stays in the ε-ball and widens the logit gap")
    func capifyWiring() throws {
        let f = try Fixture(nonlinear: false)
        var configuration = TrainingConfiguration()
        configuration.objective = .capify
        configuration.epsilon = 0.3
        let objective = try trainingObjective(f.model, configuration, space: f.space)
        var a = Xoshiro256StarStar(seed: 208), b = a
        let evaluated = try objective.evaluate(f.batch, generator: &a)
        let delta = Capify.perturbation(f.batch, in: objective, generator: &b)
        let direct = Capify.loss(f.batch, delta: delta, in: objective)
        #expect(evaluated.loss == direct.loss)
        #expect(bitIdentical(evaluated.gradient, direct.gradient))
        for r in 0..<delta.rows { #expect(norm(row(delta, r)) <= 0.3 * (1 + 1e-12)) }
        var gapOnly = configuration
        gapOnly.mu = 0
        gapOnly.nu = 0
        let gapObjective = try trainingObjective(f.model, gapOnly, space: f.space)
        let atMaximiser = Capify.loss(f.batch, delta: delta, in: gapObjective).loss
        let atZero = Capify.loss(f.batch, delta: Matrix(rows: delta.rows, cols: delta.cols), in: gapObjective).loss
        #expect(atMaximiser > atZero)
    }

    // MARK: causal_at, exact

    /// ‖Jᵀw‖ for the perturbable columns, by finite differences of z ↦ wᵀφ⁻¹(z)
    /// (exact for a linear SCM up to rounding).
    static func projectedNorm(_ scm: StructuralCausalModel, weights: [Double], at z: [Double]) throws -> Double {
        let slope = try finiteDifferenceGradient({ point in
            let image = try scm.phiInverse(try Matrix(rows: 1, cols: z.count, storage: point))
            return Self.dot(image.storage, weights)
        }, at: z, h: 1e-3)
        return norm((0..<z.count).filter { scm.perturbable[$0] }.map { slope[$0] })
    }

    @Test("causal_at exact (logistic regression, linear SCM): loss is the robust logistic loss; gradient matches finite differences",
          arguments: [0.0, 0.3])
    func causalExact(radius: Double) throws {
        let f = try Fixture(nonlinear: false, linearModel: true)
        var configuration = TrainingConfiguration()
        configuration.objective = .causalAT
        configuration.exactWhenLinear = true
        configuration.radius = radius
        var generator = Xoshiro256StarStar(seed: 0)
        let objective = try trainingObjective(f.model, configuration, space: f.space)
        #expect(objective.jacobian != nil)
        let (loss, gradient) = try objective.evaluate(f.batch, generator: &generator)
        // Unchanged generator: the closed form draws nothing.
        var fresh = Xoshiro256StarStar(seed: 0)
        #expect(generator.next() == fresh.next())

        // The robust loss: max over twins s of softplus(−((2y − 1) g(x_s) − Δ‖Jᵀw‖)).
        let weights = Array(f.model.parameters[0..<3])
        let norm = try Self.projectedNorm(f.scm, weights: weights, at: row(try f.batch.requiredLatent(), 0))
        let twins = try #require(f.batch.twins)
        let twinLogits = f.model(twins).storage
        var expected = 0.0
        for r in 0..<f.batch.rows {
            let sign = 2 * f.batch.labels[r] - 1
            expected += (0..<2).map { softplus(-(sign * twinLogits[2 * r + $0] - radius * norm)) }.max() ?? 0
        }
        expected /= Double(f.batch.rows)
        #expect(abs(loss - expected) < 1e-8, "\(loss) vs \(expected)")

        let numeric = try finiteDifferenceGradient({ try f.loss(configuration, at: $0) }, at: f.model.parameters)
        #expect(trainingClose(gradient, numeric), "worst ratio \(trainingWorstRatio(gradient, numeric))")
    }

    @Test("causal_at: the PGD solution reaches the closed form for logistic regression on a linear SCM",
          arguments: [0.0, 0.3])
    func causalExactAgreesWithAscent(radius: Double) throws {
        let f = try Fixture(nonlinear: false, linearModel: true, rows: Array(0..<8))
        var configuration = TrainingConfiguration()
        configuration.objective = .causalAT
        configuration.radius = radius
        var generator = Xoshiro256StarStar(seed: 0)
        let exact = try trainingObjective(f.model, configuration, space: f.space).evaluate(f.batch, generator: &generator)
        configuration.exactWhenLinear = false
        let ascent = try trainingObjective(f.model, configuration, space: f.space).evaluate(f.batch, generator: &generator)
        #expect(abs(exact.loss - ascent.loss) < 1e-9, "\(exact.loss) vs \(ascent.loss)")
        #expect(trainingClose(ascent.gradient, exact.gradient, relative: 1e-7, absolute: 1e-10),
                "\(ascent.gradient) vs \(exact.gradient)")
    }

    @Test("causal_at exact without precomputed twins computes them itself")
    func causalExactWithoutTwins() throws {
        let f = try Fixture(nonlinear: false, linearModel: true)
        var configuration = TrainingConfiguration()
        configuration.objective = .causalAT
        configuration.radius = 0.2
        let bare = TrainingBatch(x: f.batch.x, labels: f.batch.labels, latent: f.batch.latent, twins: nil,
                                 levelCount: f.batch.levelCount)
        var generator = Xoshiro256StarStar(seed: 0)
        let objective = try trainingObjective(f.model, configuration, space: f.space)
        let with = try objective.evaluate(f.batch, generator: &generator)
        let without = try objective.evaluate(bare, generator: &generator)
        #expect(abs(with.loss - without.loss) < 1e-12)
        #expect(maxAbsDifference(with.gradient, without.gradient) < 1e-12)
    }

    // MARK: twin-consistency penalty

    @Test("twin penalty with erm: loss adds weight·mean max_s |g(twin_s) − g(x)|; gradient matches finite differences",
          arguments: [false, true])
    func twinPenalty(nonlinear: Bool) throws {
        let f = try Fixture(nonlinear: nonlinear)
        var configuration = TrainingConfiguration()
        configuration.objective = .erm
        configuration.twinPenalty = 0.7
        var generator = Xoshiro256StarStar(seed: 0)
        let (loss, gradient) = try trainingObjective(f.model, configuration, space: f.space)
            .evaluate(f.batch, generator: &generator)
        let logits = f.model(f.batch.x).storage
        let twinLogits = f.model(try #require(f.batch.twins)).storage
        var penalty = 0.0, smallest = Double.infinity
        for r in 0..<f.batch.rows {
            let gaps = (0..<2).map { abs(twinLogits[2 * r + $0] - logits[r]) }
            penalty += gaps.max() ?? 0
            smallest = min(smallest, gaps.max() ?? 0)
        }
        let expected = trainingMeanBCE(f.model, f.batch.x, f.batch.labels) + 0.7 * penalty / Double(f.batch.rows)
        #expect(abs(loss - expected) < 1e-12, "\(loss) vs \(expected)")
        #expect(smallest > 1e-5)
        let numeric = try finiteDifferenceGradient({ try f.loss(configuration, at: $0) }, at: f.model.parameters)
        #expect(trainingClose(gradient, numeric), "worst ratio \(trainingWorstRatio(gradient, numeric))")
    }

    @Test("twin penalty added to causal_at exact: gradient matches finite differences")
    func twinPenaltyWithCausalExact() throws {
        let f = try Fixture(nonlinear: false, linearModel: true)
        var configuration = TrainingConfiguration()
        configuration.objective = .causalAT
        configuration.radius = 0.1
        configuration.twinPenalty = 1.5
        var generator = Xoshiro256StarStar(seed: 0)
        let (loss, gradient) = try trainingObjective(f.model, configuration, space: f.space)
            .evaluate(f.batch, generator: &generator)
        var withoutPenalty = configuration
        withoutPenalty.twinPenalty = 0
        #expect(loss > (try f.loss(withoutPenalty, at: f.model.parameters)) + 1e-3)
        let numeric = try finiteDifferenceGradient({ try f.loss(configuration, at: $0) }, at: f.model.parameters)
        #expect(trainingClose(gradient, numeric), "worst ratio \(trainingWorstRatio(gradient, numeric))")
    }

    // MARK: through the SCM

    @Test("LatentSpace.decodeWithPullback's pullback through MLP mechanisms matches finite differences of ⟨c, φ⁻¹(z)⟩, zero off the perturbable columns")
    func decodePullback() throws {
        let f = try Fixture(nonlinear: true)
        var generator = Xoshiro256StarStar(seed: 209)
        let z = try f.batch.requiredLatent()
        let cotangent = randomMatrix(rows: z.rows, cols: z.cols, generator: &generator)
        let (_, pullback) = try f.space.decodeWithPullback(z, levels: try f.space.factualLevels(f.batch.x))
        let vjp = pullback(cotangent)
        #expect(f.space.perturbable == [false, false, true, true])
        for r in 0..<z.rows {
            let c = row(cotangent, r)
            let numeric = try finiteDifferenceGradient({ point in
                Self.dot(c, try f.scm.phiInverse(try Matrix(rows: 1, cols: z.cols, storage: point)).storage)
            }, at: row(z, r))
            let analytic = row(vjp, r)
            for column in 0..<z.cols {
                if f.space.perturbable[column] {
                    #expect(trainingClose([analytic[column]], [numeric[column]]),
                            "row \(r) column \(column): \(analytic[column]) vs \(numeric[column])")
                } else {
                    #expect(analytic[column] == 0, "row \(r) column \(column) is not perturbable")
                }
            }
            // The immutable root A does move φ⁻¹: the zero above is the mask, not a missing path.
            #expect(abs(numeric[1]) > 1e-3)
            // X1's noise moves X2 through the MLP: its derivative differs from its own cotangent.
            #expect(abs(numeric[2] - c[2]) > 1e-3)
        }
    }

    @Test("LatentSpace without an SCM is the identity: φ = φ⁻¹ = id, the pullback is the cotangent, J = I")
    func identitySpace() throws {
        let space = try LatentSpace(scm: nil, columns: 3)
        var generator = Xoshiro256StarStar(seed: 210)
        let z = randomMatrix(rows: 4, cols: 3, generator: &generator)
        let c = randomMatrix(rows: 4, cols: 3, generator: &generator)
        #expect(try space.phi(z) == z)
        #expect(try space.decode(z, levels: [0, 0, 0, 0]) == z)
        #expect(try space.decodeWithPullback(z, levels: [0, 0, 0, 0]).pullback(c) == c)
        #expect(space.levelCount == 1)
        let jacobian = try #require(try space.constantJacobian())
        #expect(jacobian == matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
    }

    @Test("constantJacobian of the linear SCM is ∂φ⁻¹/∂z on the perturbable columns; nil for MLP mechanisms")
    func constantJacobian() throws {
        let f = try Fixture(nonlinear: false)
        let jacobian = try #require(try f.space.constantJacobian())
        #expect(jacobian.rows == 3 && jacobian.cols == 2)
        let z = row(try f.batch.requiredLatent(), 1)
        for (j, column) in [1, 2].enumerated() {
            for output in 0..<3 {
                let numeric = try finiteDifferenceGradient({ point in
                    try f.scm.phiInverse(try Matrix(rows: 1, cols: 3, storage: point))[0, output]
                }, at: z)[column]
                #expect(abs(jacobian[output, j] - numeric) < 1e-7)
            }
        }
        let nonlinear = try Fixture(nonlinear: true)
        #expect(try nonlinear.space.constantJacobian() == nil)
    }
}
