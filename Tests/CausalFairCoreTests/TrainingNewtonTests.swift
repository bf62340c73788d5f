import Testing
@testable import CausalFairCore

/// The `newton` optimizer: full-batch Newton/IRLS for logistic regression under erm,
/// checked against an independent IRLS, plain-loop gradients, finite differences of
/// the objective and long Adam runs; its behaviour on separable, constant and
/// one-class data; and the settings it refuses.
@Suite("Training: Newton")
struct TrainingNewtonTests {
    /// f(θ) = mean BCE + (λ/2)‖θ‖², computed with plain loops.
    static func objective(_ x: Matrix, _ y: [Double], _ theta: [Double], weightDecay: Double) -> Double {
        var total = 0.0
        for r in 0..<x.rows {
            let logit = zip(row(x, r) + [1], theta).reduce(0) { $0 + $1.0 * $1.1 }
            total += softplus(logit) - y[r] * logit
        }
        return total / Double(x.rows) + 0.5 * weightDecay * theta.reduce(0) { $0 + $1 * $1 }
    }

    /// ∇f with plain loops: the likelihood gradient of the outcome tests plus λθ.
    static func gradient(_ x: Matrix, _ y: [Double], _ theta: [Double], weightDecay: Double) -> [Double] {
        zip(TrainingOutcomeTests.likelihoodGradient(x, y, theta), theta).map { $0 + weightDecay * $1 }
    }

    static func configuration(epochs: Int = 50, weightDecay: Double = 0, tolerance: Double = 1e-10) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.optimizer = .newton
        configuration.epochs = epochs
        configuration.weightDecay = weightDecay
        configuration.tolerance = tolerance
        return configuration
    }

    static func newton(_ x: Matrix, _ y: [Double], weightDecay: Double = 0, epochs: Int = 50,
                       seed: UInt64 = 1) throws -> TrainingResult {
        var generator = Xoshiro256StarStar(seed: seed)
        let model = MultilayerPerceptron(widths: [x.cols, 1], activation: .tanh, generator: &generator)
        return try Trainer.train(model, x: x, labels: y, scm: nil,
                                 configuration: configuration(epochs: epochs, weightDecay: weightDecay))
    }

    @Test("unregularised: reaches the maximum-likelihood solution of an independent IRLS (gradient ~1e-10)")
    func maximumLikelihood() throws {
        let (x, labels) = TrainingLIN.sample(rows: 1_000, seed: 9)
        let result = try Self.newton(x, labels)
        #expect(result.converged == true)
        let parameters = result.model.parameters
        #expect(norm(Self.gradient(x, labels, parameters, weightDecay: 0)) < 1e-10)
        let mle = TrainingOutcomeTests.maximumLikelihood(x, labels)
        #expect(maxAbsDifference(parameters, mle) < 1e-9, "Newton \(parameters) vs IRLS \(mle)")
        // Quadratic convergence from 0: a handful of steps (measured: 6), each decreasing f.
        #expect(result.trainingLosses.count <= 10)
        #expect(zip(result.trainingLosses, result.trainingLosses.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(abs(result.trainingLosses.last! - Self.objective(x, labels, parameters, weightDecay: 0)) < 1e-12)
        #expect(result.validationLosses.allSatisfy { $0.isNaN })
    }

    @Test("weight decay: the penalised objective's gradient vanishes, and finite differences of f agree",
          arguments: [1e-3, 0.1, 10.0])
    func weightDecay(lambda: Double) throws {
        let (x, labels) = TrainingLIN.sample(rows: 500, seed: 4)
        let result = try Self.newton(x, labels, weightDecay: lambda)
        #expect(result.converged == true)
        let theta = result.model.parameters
        #expect(norm(Self.gradient(x, labels, theta, weightDecay: lambda)) < 1e-10)
        let numeric = finiteDifferenceGradient({ Self.objective(x, labels, $0, weightDecay: lambda) }, at: theta, h: 1e-5)
        #expect(norm(numeric) < 1e-8, "finite-difference gradient \(numeric)")
        // Every perturbation increases f (strict convexity around the minimum).
        for i in theta.indices {
            var moved = theta
            moved[i] += 1e-3
            #expect(Self.objective(x, labels, moved, weightDecay: lambda) > Self.objective(x, labels, theta, weightDecay: lambda))
        }
    }

    @Test("matches full-batch Adam after many epochs (same objective, weight decay included)")
    func matchesAdam() throws {
        let (x, labels) = TrainingLIN.sample(rows: 1_000, seed: 9)
        let newton = try Self.newton(x, labels, weightDecay: 0.01).model.parameters
        var configuration = TrainingConfiguration()
        configuration.epochs = 2_000
        configuration.batchSize = x.rows
        configuration.learningRate = 0.05
        configuration.weightDecay = 0.01
        let adam = try Trainer.train(TrainingOutcomeTests.initialLogistic(), x: x, labels: labels, scm: nil,
                                     configuration: configuration)
        #expect(adam.converged == nil)
        #expect(maxAbsDifference(adam.model.parameters, newton) < 1e-5, "Adam \(adam.model.parameters) vs Newton \(newton)")
    }

    @Test("starts from 0: the initial parameters and the seed do not change the result")
    func independentOfInitialisation() throws {
        let (x, labels) = TrainingLIN.sample(rows: 300, seed: 2)
        let a = try Self.newton(x, labels, seed: 1)
        let b = try Self.newton(x, labels, seed: 77)
        #expect(bitIdentical(a.model.parameters, b.model.parameters))
        #expect(bitIdentical(a.trainingLosses, b.trainingLosses))
    }

    /// Labels 1[x₀ > 0] with a margin: linearly separable.
    static func separable(rows: Int) -> (Matrix, [Double]) {
        var generator = Xoshiro256StarStar(seed: 5)
        var x = Matrix(rows: rows, cols: 2)
        var labels = [Double](repeating: 0, count: rows)
        for r in 0..<rows {
            let side = r % 2 == 0 ? 1.0 : -1.0
            x[r, 0] = side * (0.5 + abs(generator.normal()))
            x[r, 1] = generator.normal()
            labels[r] = side > 0 ? 1 : 0
        }
        return (x, labels)
    }

    @Test("separable data without weight decay: stops (tolerance or step limit) with finite weights, no NaN",
          arguments: [5, 50, 1_000])
    func separableUnregularised(epochs: Int) throws {
        let (x, labels) = Self.separable(rows: 200)
        let result = try Self.newton(x, labels, epochs: epochs)
        #expect(result.trainingLosses.count <= epochs)
        #expect(result.model.parameters.allSatisfy { $0.isFinite })
        #expect(result.trainingLosses.allSatisfy { $0.isFinite && $0 >= 0 })
        // The separating direction grows; every row is classified correctly.
        #expect(result.model.parameters[0] > 1)
        let logits = result.model(x).storage
        #expect(zip(logits, labels).allSatisfy { ($0 > 0) == ($1 == 1) })
        if result.converged == true {
            #expect(norm(Self.gradient(x, labels, result.model.parameters, weightDecay: 0)) < 1e-9)
        } else {
            #expect(result.trainingLosses.count == epochs || result.trainingLosses.last! < 1e-8)
        }
    }

    @Test("separable data with weight decay: the (finite) optimum")
    func separableRegularised() throws {
        let (x, labels) = Self.separable(rows: 200)
        let result = try Self.newton(x, labels, weightDecay: 1e-3)
        #expect(result.converged == true)
        #expect(norm(Self.gradient(x, labels, result.model.parameters, weightDecay: 1e-3)) < 1e-10)
    }

    @Test("constant features: a zero column keeps weight 0, a column of ones shares the intercept; the fit is the one without them")
    func constantFeatures() throws {
        let (base, labels) = TrainingLIN.sample(rows: 500, seed: 3)
        var x = Matrix(rows: base.rows, cols: 5)
        for r in 0..<base.rows {
            for c in 0..<3 { x[r, c] = base[r, c] }
            x[r, 3] = 0
            x[r, 4] = 1
        }
        let result = try Self.newton(x, labels)
        #expect(result.converged == true)
        let theta = result.model.parameters
        #expect(theta.allSatisfy { $0.isFinite })
        #expect(theta[3] == 0)
        // Minimum norm: the ones column and the bias split the intercept equally (up to
        // the rounding of their gradient entries, amplified by the 1/δ of the damped
        // solve; measured 3e-8).
        #expect(abs(theta[4] - theta[5]) < 1e-6)
        let reference = try Self.newton(base, labels).model.parameters
        #expect(maxAbsDifference(Array(theta[0..<3]), Array(reference[0..<3])) < 1e-9)
        #expect(abs(theta[4] + theta[5] - reference[3]) < 1e-9)
    }

    @Test("one class is refused before any work")
    func singleClass() throws {
        let (x, _) = TrainingLIN.sample(rows: 50, seed: 1)
        #expect(throws: CausalFairError.invalidArgument("y must hold both classes 0 and 1")) {
            try Self.newton(x, [Double](repeating: 1, count: 50))
        }
    }

    @Test("more features than maximumFeatures are refused before any work")
    func featureLimit() throws {
        let limit = NewtonSolver.maximumFeatures
        let wide = Matrix(rows: 4, cols: limit + 1)
        #expect(throws: CausalFairError.invalidArgument(
            "optimizer newton takes at most \(limit) features, X has \(limit + 1); use adam or sgd")) {
            try NewtonSolver.minimise(x: wide, labels: [0, 1, 0, 1], weightDecay: 1, tolerance: 1e-8, maxIterations: 5)
        }
    }

    @Test("settings newton cannot honour are refused: an MLP, a non-erm objective, a twin penalty, a validation split, a bad tolerance")
    func refusedSettings() throws {
        let (x, labels) = TrainingLIN.sample(rows: 50, seed: 1)
        var generator = Xoshiro256StarStar(seed: 1)
        let mlp = MultilayerPerceptron(widths: [3, 4, 1], activation: .tanh, generator: &generator)
        func refuses(_ model: MultilayerPerceptron = TrainingOutcomeTests.initialLogistic(),
                     _ change: (inout TrainingConfiguration) -> Void) -> Bool {
            var configuration = Self.configuration()
            change(&configuration)
            do {
                _ = try Trainer.train(model, x: x, labels: labels, scm: nil, configuration: configuration)
                return false
            } catch CausalFairError.invalidArgument {
                return true
            } catch {
                return false
            }
        }
        #expect(refuses(mlp) { _ in })
        for objective in Objective.allCases where objective != .erm {
            #expect(refuses { $0.objective = objective })
        }
        #expect(refuses { $0.twinPenalty = 0.5 })
        #expect(refuses { $0.validationFraction = 0.2 })
        #expect(refuses { $0.tolerance = -1 })
        #expect(refuses { $0.tolerance = .nan })
        #expect(!refuses { _ in })
    }

    @Test("progress after every step; returning false interrupts")
    func progressAndInterruption() throws {
        let (x, labels) = TrainingLIN.sample(rows: 200, seed: 1)
        var reports: [TrainingProgress] = []
        let result = try Trainer.train(TrainingOutcomeTests.initialLogistic(), x: x, labels: labels, scm: nil,
                                       configuration: Self.configuration()) { reports.append($0); return true }
        #expect(reports.map(\.epoch) == Array(0..<result.trainingLosses.count))
        #expect(reports.map(\.loss) == result.trainingLosses)
        #expect(throws: CausalFairError.self) {
            try Trainer.train(TrainingOutcomeTests.initialLogistic(), x: x, labels: labels, scm: nil,
                              configuration: Self.configuration()) { _ in false }
        }
    }

    @Test("a step limit of 0 returns θ = 0 unconverged; tolerance 0 runs to the limit")
    func limits() throws {
        let (x, labels) = TrainingLIN.sample(rows: 200, seed: 1)
        let none = try Self.newton(x, labels, epochs: 0)
        #expect(none.model.parameters.allSatisfy { $0 == 0 })
        #expect(none.converged == false && none.trainingLosses.isEmpty)
        let outcome = try NewtonSolver.minimise(x: x, labels: labels, weightDecay: 0, tolerance: 0, maxIterations: 12)
        #expect(outcome.objectives.count <= 12 && outcome.gradientNorm < 1e-12)
    }
}
