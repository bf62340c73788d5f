import Testing
@testable import CausalFairCore

/// MLP mechanisms, the network's initialisation, and the Adam optimiser.
@Suite("MLP mechanism and Adam")
struct MLPMechanismTests {
    /// y = sin(x) + 0.1 noise, x uniform in [-3, 3].
    static func sineData(rows: Int, seed: UInt64) -> (x: Matrix, y: Matrix) {
        var generator = Xoshiro256StarStar(seed: seed)
        var x = Matrix(rows: rows, cols: 1), y = Matrix(rows: rows, cols: 1)
        for r in 0..<rows {
            x[r, 0] = 6 * generator.uniform() - 3
            y[r, 0] = x[r, 0].sine + 0.1 * generator.normal()
        }
        return (x, y)
    }

    static func meanSquaredError(_ a: Matrix, _ b: Matrix) -> Double {
        mean(zip(a.storage, b.storage).map { ($0 - $1) * ($0 - $1) })
    }

    @Test("evaluating more rows than one block stitches the blocks: equal to the recorded forward pass")
    func blockedEvaluationMatchesForwardPass() throws {
        let network = try trainingNetwork([3, 4_000, 2], .tanh, seed: 5, scale: 0.05)
        var generator = Xoshiro256StarStar(seed: 6)
        let rows = 2 * MultilayerPerceptron.evaluationBlockElements / 4_000 + 7   // two full blocks and a partial one
        let x = randomMatrix(rows: rows, cols: 3, generator: &generator)
        let blocked = network(x), whole = network.forwardPass(x)[2]
        #expect(blocked.rows == rows && blocked.cols == 2)
        let worst = zip(blocked.storage, whole.storage).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-12, "largest difference \(worst)")
    }

    @Test("fitting sin(x) reduces the MSE well below the variance of y")
    func fitsSine() {
        let (x, y) = Self.sineData(rows: 500, seed: 71)
        var generator = Xoshiro256StarStar(seed: 72)
        let mechanism = MLPMechanism(fittingInputs: x, targets: y, hidden: [16], activation: .tanh,
                                     epochs: 150, batchSize: 32, learningRate: 0.02, generator: &generator)
        let total = variance(y.storage)
        let mse = Self.meanSquaredError(mechanism(x), y)
        #expect(mse < 0.1 * total, "MSE \(mse) vs variance \(total)")
        // Held-out data too.
        let (tx, ty) = Self.sineData(rows: 300, seed: 73)
        #expect(Self.meanSquaredError(mechanism(tx), ty) < 0.1 * total)
    }

    @Test("zero epochs leave the initial network; more epochs lower the training error")
    func epochsReduceError() {
        let (x, y) = Self.sineData(rows: 300, seed: 74)
        func fit(_ epochs: Int) -> MLPMechanism {
            var generator = Xoshiro256StarStar(seed: 75)
            return MLPMechanism(fittingInputs: x, targets: y, hidden: [8], activation: .tanh,
                                epochs: epochs, batchSize: 32, learningRate: 0.01, generator: &generator)
        }
        var generator = Xoshiro256StarStar(seed: 75)
        let initial = MultilayerPerceptron(widths: [1, 8, 1], activation: .tanh, generator: &generator)
        #expect(fit(0).network == initial)
        let e0 = Self.meanSquaredError(fit(0)(x), y)
        let e5 = Self.meanSquaredError(fit(5)(x), y)
        let e40 = Self.meanSquaredError(fit(40)(x), y)
        #expect(e5 < e0 && e40 < e5, "\(e0) \(e5) \(e40)")
    }

    @Test("the same seed gives bit-identical parameters, a different seed different ones")
    func seedDeterminism() {
        let (x, y) = Self.sineData(rows: 200, seed: 76)
        func fit(_ seed: UInt64) -> [Double] {
            var generator = Xoshiro256StarStar(seed: seed)
            return MLPMechanism(fittingInputs: x, targets: y, hidden: [6, 4], activation: .relu,
                                epochs: 3, batchSize: 16, learningRate: 0.01, generator: &generator).network.parameters
        }
        #expect(bitIdentical(fit(5), fit(5)))
        #expect(fit(5) != fit(6))
    }

    @Test("fitting an SCM with MLP mechanisms is reproducible by seed")
    func scmSeedDeterminism() throws {
        let data = NonlinearReference.sample(rows: 300, seed: 77)
        func fit(_ seed: UInt64) throws -> [Double] {
            var model = try StructuralCausalModel(nodes: NonlinearReference.nodes())
            try model.fit(data, seed: seed)
            return try model.exportedParameters()
        }
        #expect(bitIdentical(try fit(1), try fit(1)))
        #expect(try fit(1) != fit(2))
    }

    @Test("an MLP mechanism on a nonlinear SCM explains most of a child's variance")
    func scmMLPFitsNonlinearChild() throws {
        let mechanism = MechanismSpecification.mlp(hidden: [16], activation: .tanh, epochs: 60, batchSize: 32,
                                                   learningRate: 0.02)
        var model = try StructuralCausalModel(nodes: NonlinearReference.nodes(mechanism: mechanism))
        let data = NonlinearReference.sample(rows: 800, seed: 78)
        try model.fit(data, seed: 3)
        // Y = sin(X) + 0.3 level(K) + 0.2 noise: the residual scale approaches 0.2.
        let yScale = variance(column(data, 8)).squareRoot()
        #expect(model.noiseScales[8] < 0.4 * yScale, "residual \(model.noiseScales[8]) vs std \(yScale)")
        #expect(model.noiseScales[8] > 0.15)
    }

    @Test("initialisation is uniform within 1/sqrt(fan-in) and has the documented parameter count")
    func initialisation() {
        var generator = Xoshiro256StarStar(seed: 79)
        let widths = [4, 9, 1]
        let network = MultilayerPerceptron(widths: widths, activation: .relu, generator: &generator)
        #expect(network.parameters.count == (4 + 1) * 9 + (9 + 1) * 1)
        #expect(MultilayerPerceptron.parameterCount(widths: widths) == 55)
        #expect(network.parameters[0..<45].allSatisfy { abs($0) <= 0.5 })
        #expect(network.parameters[45...].allSatisfy { abs($0) <= 1 / 3.0 })
        #expect(network.parameters[0..<45].contains { abs($0) > 0.4 })
        #expect(thrownError { try MultilayerPerceptron(widths: widths, activation: .relu, parameters: [1, 2]) }?
            .kind == .invalidArgument)
    }

    @Test("Adam minimises a quadratic")
    func adamMinimisesQuadratic() {
        // f(p) = sum a_i (p_i - t_i)^2 with very different curvatures.
        let a: [Double] = [1, 10, 0.1, 100]
        let t: [Double] = [3, -2, 0.5, 1]
        var p: [Double] = [0, 0, 0, 0]
        var adam = Adam(parameterCount: 4, learningRate: 0.05)
        for _ in 0..<3_000 {
            let gradient = (0..<4).map { 2 * a[$0] * (p[$0] - t[$0]) }
            adam.update(&p, gradient: gradient)
        }
        #expect(maxAbsDifference(p, t) < 1e-3, "\(p)")
    }

    @Test("Adam's first step moves each parameter by the learning rate against the gradient's sign")
    func adamFirstStep() {
        var p: [Double] = [1, 1, 1]
        var adam = Adam(parameterCount: 3, learningRate: 0.1)
        adam.update(&p, gradient: [5, -0.01, 0])
        #expect(abs(p[0] - 0.9) < 1e-6)
        #expect(abs(p[1] - 1.1) < 1e-5)
        #expect(p[2] == 1)
    }

    @Test("Adam's weight decay pulls parameters toward zero with a zero gradient")
    func adamWeightDecay() {
        var p: [Double] = [2, -2]
        var adam = Adam(parameterCount: 2, learningRate: 0.01, weightDecay: 0.1)
        for _ in 0..<100 { adam.update(&p, gradient: [0, 0]) }
        #expect(p[0] < 2 && p[0] > 0 && p[1] > -2 && p[1] < 0)
        #expect(abs(p[0] + p[1]) < 1e-12)
    }
}
