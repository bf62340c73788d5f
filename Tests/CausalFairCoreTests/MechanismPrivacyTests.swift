import Testing
@testable import CausalFairCore

/// DP fitting of an SCM (`StructuralCausalModel.fit(_:seed:privacy:)`): the MLP maps of
/// MLP mechanisms and of discrete nodes' logits trained by the trainer's DP-SGD.
@Suite("Mechanisms: differentially private fitting")
struct MechanismPrivacyTests {
    /// y = sin(1.5 x₀) + 0.5 x₁ + 0.1 noise, x standard normal: 2 inputs, 1 continuous target.
    static func regression(rows: Int, seed: UInt64) -> (inputs: Matrix, targets: Matrix) {
        var generator = Xoshiro256StarStar(seed: seed)
        let inputs = randomMatrix(rows: rows, cols: 2, generator: &generator)
        var targets = Matrix(rows: rows, cols: 1)
        for r in 0..<rows { targets[r, 0] = (1.5 * inputs[r, 0]).sine + 0.5 * inputs[r, 1] + 0.1 * generator.normal() }
        return (inputs, targets)
    }

    /// Plain Adam on the mean squared error over the Poisson samples DP-SGD draws,
    /// written out here: the mean over the expected batch size q·n of the sampled rows'
    /// squared-error gradients, from the network's batch gradient (no per-example rows).
    static func plainFitOnPoissonSamples(_ inputs: Matrix, _ targets: Matrix, hidden: [Int], epochs: Int,
                                         batchSize: Int, learningRate: Double, seed: UInt64) -> [Double] {
        var generator = Xoshiro256StarStar(seed: seed)
        var network = MultilayerPerceptron(widths: [inputs.cols] + hidden + [targets.cols], activation: .tanh,
                                           generator: &generator)
        var adam = Adam(parameterCount: network.parameters.count, learningRate: learningRate)
        let expected = Double(min(batchSize, inputs.rows))
        let stepsPerEpoch = (inputs.rows + batchSize - 1) / batchSize
        for _ in 0..<(epochs * stepsPerEpoch) {
            let rows = DifferentialPrivacy.poissonSample(Array(0..<inputs.rows), rate: expected / Double(inputs.rows),
                                                         generator: &generator)
            let layers = network.forwardPass(inputs.gatherRows(rows))
            var residual = layers[layers.count - 1] - targets.gatherRows(rows)
            for i in residual.storage.indices { residual.storage[i] *= 2 / (expected * Double(targets.cols)) }
            adam.update(&network.parameters, gradient: network.parameterGradient(layers, outputGradient: residual))
        }
        return network.parameters
    }

    @Test("σ = 0 and C = ∞: the DP fit equals plain Adam on the same Poisson samples (to rounding)")
    func noiselessUnclippedIsPlainFit() throws {
        let (inputs, targets) = Self.regression(rows: 300, seed: 1)
        var generator = Xoshiro256StarStar(seed: 7)
        let dp = MLPMechanism(fittingInputs: inputs, targets: targets, hidden: [8], activation: .tanh, epochs: 4,
                              batchSize: 40, learningRate: 0.02,
                              privacy: DifferentialPrivacy(noiseMultiplier: 0, maxGradNorm: .infinity),
                              generator: &generator)
        let plain = Self.plainFitOnPoissonSamples(inputs, targets, hidden: [8], epochs: 4, batchSize: 40,
                                                  learningRate: 0.02, seed: 7)
        // Not bit for bit: DP-SGD sums per-example gradient rows in order, the batch
        // gradient sums inside one BLAS product; Adam carries the rounding over 32 steps.
        #expect(maxAbsDifference(dp.network.parameters, plain) <= 1e-10 * max(1, norm(plain)))
        // The fit is not the non-private one (Poisson samples, not a shuffled partition).
        var again = Xoshiro256StarStar(seed: 7)
        let shuffled = MLPMechanism(fittingInputs: inputs, targets: targets, hidden: [8], activation: .tanh, epochs: 4,
                                    batchSize: 40, learningRate: 0.02, generator: &again)
        #expect(maxAbsDifference(shuffled.network.parameters, plain) > 1e-6)
    }

    static func mlpNodes(_ discrete: Bool) -> [NodeSpecification] {
        let mlp = MechanismSpecification.mlp(hidden: [6], activation: .tanh, epochs: 3, batchSize: 25, learningRate: 0.05)
        return [
            NodeSpecification(kind: .binary, isSensitive: true),
            discrete ? NodeSpecification(kind: .categorical(levels: 3), parents: [0], mechanism: mlp, discrete: .gumbelMax)
                     : NodeSpecification(kind: .continuous, parents: [0], mechanism: mlp),
            NodeSpecification(kind: .continuous, parents: [0, 1], mechanism: mlp),
        ]
    }

    static func data(_ discrete: Bool, rows: Int) -> Matrix {
        var generator = Xoshiro256StarStar(seed: 11)
        let width = discrete ? 3 : 1
        var data = Matrix(rows: rows, cols: 2 + width)
        for r in 0..<rows {
            let s = generator.bernoulli(0.5)
            data[r, 0] = s
            let a: Double
            if discrete {
                let level = s == 1 ? generator.index(below: 3) : generator.index(below: 2)
                data[r, 1 + level] = 1
                a = Double(level)
            } else {
                a = s + generator.normal()
                data[r, 1] = a
            }
            data[r, 1 + width] = a - s + 0.5 * generator.normal()
        }
        return data
    }

    static func parameters(_ model: StructuralCausalModel) -> [Double] {
        model.mechanisms.flatMap { $0?.parameters ?? [] }
    }

    @Test("a DP SCM fit is deterministic for a seed, differs with another seed and from σ = 0, and stays finite",
          arguments: [false, true])
    func deterministicForASeed(discrete: Bool) throws {
        let data = Self.data(discrete, rows: 200)
        let privacy = DifferentialPrivacy(noiseMultiplier: 1.2, maxGradNorm: 0.5)
        func fitted(seed: UInt64, _ privacy: DifferentialPrivacy) throws -> [Double] {
            var model = try StructuralCausalModel(nodes: Self.mlpNodes(discrete))
            try model.fit(data, seed: seed, privacy: privacy)
            #expect(model.isFitted)
            return Self.parameters(model)
        }
        let first = try fitted(seed: 3, privacy), second = try fitted(seed: 3, privacy)
        #expect(bitIdentical(first, second))
        #expect(first.allSatisfy { $0.isFinite })
        let otherSeed = try fitted(seed: 4, privacy)
        let noiseless = try fitted(seed: 3, DifferentialPrivacy(noiseMultiplier: 0, maxGradNorm: 0.5))
        #expect(!bitIdentical(first, otherSeed))
        #expect(maxAbsDifference(first, noiseless) > 1e-3)
    }

    @Test("without privacy the fit is the one of before (privacy nil is the non-private path, bit for bit)")
    func nilPrivacyIsUnchanged() throws {
        let data = Self.data(true, rows: 120)
        var a = try StructuralCausalModel(nodes: Self.mlpNodes(true)), b = a
        try a.fit(data, seed: 5)
        try b.fit(data, seed: 5, privacy: nil)
        #expect(bitIdentical(Self.parameters(a), Self.parameters(b)))
    }

    @Test("DP fitting refuses linear mechanisms and bad settings, naming them; trains through empty Poisson samples")
    func refusals() throws {
        let data = Self.data(false, rows: 60)
        var nodes = Self.mlpNodes(false)
        nodes[2] = NodeSpecification(kind: .continuous, parents: [0, 1], mechanism: .linear(ridge: 0))
        var linear = try StructuralCausalModel(nodes: nodes)
        let error = thrownError { try linear.fit(data, seed: 1, privacy: DifferentialPrivacy(noiseMultiplier: 1, maxGradNorm: 1)) }
        #expect(error?.kind == .invalidArgument && error?.message.contains("node 2 has a linear mechanism") == true)
        #expect(!linear.isFitted)
        var model = try StructuralCausalModel(nodes: Self.mlpNodes(false))
        for (sigma, norm) in [(-1.0, 1.0), (.nan, 1.0), (1.0, 0.0), (1.0, .infinity)] {
            #expect(thrownError { try model.fit(data, seed: 1, privacy: DifferentialPrivacy(noiseMultiplier: sigma,
                                                                                            maxGradNorm: norm)) }?
                .kind == .invalidArgument)
        }
        // Batch size 1 of 60 rows: q = 1/60, so about a third of the steps sample no row.
        var tiny = nodes
        tiny[2] = NodeSpecification(kind: .continuous, parents: [0, 1],
                                    mechanism: .mlp(hidden: [3], activation: .tanh, epochs: 2, batchSize: 1, learningRate: 0.05))
        tiny[1] = NodeSpecification(kind: .continuous, parents: [0],
                                    mechanism: .mlp(hidden: [3], activation: .tanh, epochs: 2, batchSize: 1, learningRate: 0.05))
        var sparse = try StructuralCausalModel(nodes: tiny)
        try sparse.fit(data, seed: 2, privacy: DifferentialPrivacy(noiseMultiplier: 1, maxGradNorm: 1))
        #expect(Self.parameters(sparse).allSatisfy { $0.isFinite })
    }

    @Test("with moderate noise the DP MLP mechanism still learns (held-out MSE well below the variance)")
    func learnsUnderNoise() throws {
        let (inputs, targets) = Self.regression(rows: 2_000, seed: 21)
        let (test, truth) = Self.regression(rows: 1_000, seed: 22)
        var generator = Xoshiro256StarStar(seed: 9)
        let dp = MLPMechanism(fittingInputs: inputs, targets: targets, hidden: [16], activation: .tanh, epochs: 20,
                              batchSize: 100, learningRate: 0.02,
                              privacy: DifferentialPrivacy(noiseMultiplier: 0.8, maxGradNorm: 1), generator: &generator)
        let errors = (dp(test) - truth).storage.map { $0 * $0 }
        #expect(mean(errors) < 0.3 * variance(truth.storage))
    }
}
