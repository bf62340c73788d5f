import Testing
@testable import CausalFairCore

/// DP-SGD (`DifferentialPrivacy`): per-example gradients, clipping, noise, Poisson
/// sampling, and the trainer's private runs.
@Suite("Training: differential privacy")
struct TrainingPrivacyTests {
    typealias Fixture = TrainingObjectiveGradientTests.Fixture

    /// Every objective, with the settings that make its loss deterministic so that the
    /// one-row evaluations must sum to the batch's: cal, llr, capify, trades and sensei draw
    /// candidates or inner starts from the generator, which the per-row loop consumes
    /// row after row — with a zero radius (cal, trades) or ε = 0 (llr, capify, sensei) those
    /// draws are all zero, the rest of each objective (twins, the loss terms and their
    /// gradients) unchanged.
    static let deterministicCases: [(Objective, Double)] = Objective.allCases.flatMap { [($0, 0.0), ($0, 0.5)] }

    static func deterministic(_ objective: Objective, twinPenalty: Double) -> TrainingConfiguration {
        var configuration = configuration(objective, twinPenalty: twinPenalty)
        if [.cal, .trades].contains(objective) { configuration.radius = 0 }
        if [.llr, .capify, .sensei].contains(objective) { configuration.epsilon = 0 }
        return configuration
    }

    static func configuration(_ objective: Objective, twinPenalty: Double = 0) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.objective = objective
        configuration.steps = 3
        configuration.samples = 3
        configuration.twinPenalty = twinPenalty
        return configuration
    }

    // MARK: per-example gradients

    @Test("erm's batched clipped sum equals the per-row loop's gradients clipped and summed (logistic and MLP; C = ∞ and C at the median norm), to rounding",
          arguments: [true, false])
    func batchedMatchesLoop(linearModel: Bool) throws {
        let f = try Fixture(nonlinear: false, linearModel: linearModel, rows: Array(0..<25))
        let context = try trainingObjective(f.model, Self.configuration(.erm), space: f.space)
        var generator = Xoshiro256StarStar(seed: 1)
        let loop = try context.perRowGradients(f.batch) { row in
            try EmpiricalRisk.evaluate(row, in: context, generator: &generator).gradient
        }
        let norms = (0..<loop.rows).map { norm(loop.gatherRows([$0]).storage) }
        for clip in [Double.infinity, norms.sorted()[norms.count / 2]] {
            let privacy = DifferentialPrivacy(noiseMultiplier: 0, maxGradNorm: clip)
            let batched = try EmpiricalRisk.clippedGradientSum(f.batch, in: context, privacy: privacy,
                                                               generator: &generator)
            let expected = privacy.clippedSum(loop)
            // Rounding only: the batched form sums rows inside BLAS, the loop's rows are summed after.
            #expect(maxAbsDifference(batched, expected) <= 1e-13 * max(1, norm(expected)))
            #expect(norm(expected) > 1e-3)
        }
    }

    @Test("a network's ghost norms equal the norms of the per-row parameter gradients (two outputs, tanh and relu, one and two hidden layers)",
          arguments: [(Activation.tanh, [4, 7, 2]), (.relu, [4, 6, 5, 2]), (.tanh, [4, 2])])
    func ghostNorms(activation: Activation, widths: [Int]) throws {
        var generator = Xoshiro256StarStar(seed: 12)
        let network = MultilayerPerceptron(widths: widths, activation: activation, generator: &generator)
        let inputs = try Matrix(rows: 9, cols: 4, storage: (0..<36).map { _ in generator.normal() })
        let g = try Matrix(rows: 9, cols: 2, storage: (0..<18).map { _ in generator.normal() })
        let layers = network.forwardPass(inputs)
        let perRow = (0..<9).map { r in
            network.parameterGradient(network.forwardPass(inputs.gatherRows([r])), outputGradient: g.gatherRows([r]))
        }
        let ghost = network.perExampleGradientNorms(layers, outputGradient: g)
        for r in 0..<9 { #expect(abs(ghost[r] - norm(perRow[r])) <= 1e-13 * norm(perRow[r])) }
        let privacy = DifferentialPrivacy(noiseMultiplier: 0, maxGradNorm: ghost.sorted()[4])
        let matrix = try Matrix(rows: 9, cols: network.parameters.count, storage: perRow.flatMap { $0 })
        let expected = privacy.clippedSum(matrix)
        let batched = network.scaledParameterGradientSum(layers, outputGradient: g, factor: privacy.clippingFactor(norm:))
        #expect(maxAbsDifference(batched, expected) <= 1e-13 * norm(expected))
        #expect(privacy.clippingFactors(matrix).contains { $0 < 1 })
    }

    @Test("for every objective (and with the twin penalty), randomness off, the per-example gradients sum to rows × the batch gradient",
          arguments: deterministicCases)
    func perExampleSumsToBatchGradient(objective: Objective, twinPenalty: Double) throws {
        let f = try Fixture(nonlinear: true, rows: Array(0..<8))
        let context = try trainingObjective(f.model, Self.deterministic(objective, twinPenalty: twinPenalty), space: f.space)
        var generator = Xoshiro256StarStar(seed: 2)
        let perExample = try context.perExampleGradients(f.batch, generator: &generator)
        let batch = try context.evaluate(f.batch, generator: &generator).gradient
        let sum = perExample.columnSums().map { $0 / Double(f.batch.rows) }
        #expect(maxAbsDifference(sum, batch) <= 1e-12 * max(1, norm(batch)))
        #expect(norm(batch) > 1e-4)
    }

    // MARK: clipping and noise

    @Test("after clipping every per-example gradient has norm ≤ C, and those within C are unchanged",
          arguments: Objective.allCases)
    func clippingBound(objective: Objective) throws {
        let f = try Fixture(nonlinear: true, rows: Array(0..<10))
        let context = try trainingObjective(f.model, Self.configuration(objective), space: f.space)
        var generator = Xoshiro256StarStar(seed: 3)
        let perExample = try context.perExampleGradients(f.batch, generator: &generator)
        let norms = (0..<perExample.rows).map { norm(perExample.gatherRows([$0]).storage) }
        let c = norms.sorted()[norms.count / 2]  // about half the rows are clipped
        let factors = DifferentialPrivacy(noiseMultiplier: 0, maxGradNorm: c).clippingFactors(perExample)
        for r in 0..<perExample.rows {
            let row = perExample.gatherRows([r]).storage.map { $0 * factors[r] }
            #expect(norm(row) <= c * (1 + 1e-12))
            if norms[r] <= c {
                #expect(bitIdentical(row, perExample.gatherRows([r]).storage))
            } else {
                #expect(abs(norm(row) - c) <= 1e-12 * c)  // scaled down to the bound, not below
            }
        }
        #expect(norms.contains { $0 > c })
    }

    @Test("with σ = 0 and C = ∞ the DP gradient times q·n / |B| equals the plain gradient of the same sampled batch")
    func noiselessUnclippedIsPlainGradient() throws {
        let f = try Fixture(nonlinear: false, rows: Array(0..<400))
        let context = try trainingObjective(f.model, Self.configuration(.erm), space: f.space)
        var generator = Xoshiro256StarStar(seed: 4)
        let candidates = Array(0..<400)
        let sampled = DifferentialPrivacy.poissonSample(candidates, rate: 0.25, generator: &generator)
        let batch = f.batch.gathering(sampled)
        let privacy = DifferentialPrivacy(noiseMultiplier: 0, maxGradNorm: .infinity)
        let expected = 100.0
        let dp = privacy.noisedMean(try context.clippedGradientSum(batch, privacy: privacy, generator: &generator),
                                    expectedBatchSize: expected, generator: &generator)
        let plain = try context.evaluate(batch, generator: &generator).gradient
        let rescaled = dp.map { $0 * expected / Double(sampled.count) }
        // To rounding, not bit for bit: the plain gradient divides before summing.
        #expect(maxAbsDifference(rescaled, plain) <= 1e-13 * max(1, norm(plain)))
        #expect(norm(plain) > 1e-3)
        #expect(sampled.count != 100)  // the sample's size varies: the divisor is the expected size
    }

    @Test("with σ = 0 and C = ∞ a DP run equals the non-private run bit for bit (erm, one epoch, batch = n = 32, logistic and MLP)",
          arguments: [true, false])
    func noiselessUnclippedRunIsPlainRun(linearModel: Bool) throws {
        // q = 1 keeps every row, in the epoch's shuffled order, so both runs take one step on
        // the same 32 rows (one piece: at most `pieceRows`). The plain gradient divides each
        // row's term by 32 before summing, DP-SGD the sum by the expected batch size 32: with
        // a power of two both are exact, so the bits agree; with any other size they agree to
        // rounding (the test above).
        let (scm, x, labels) = try TrainingLIN.fitted(rows: 32, seed: 13)
        var generator = Xoshiro256StarStar(seed: 14)
        let model = MultilayerPerceptron(widths: linearModel ? [3, 1] : [3, 6, 1], activation: .tanh,
                                         generator: &generator)
        var configuration = TrainingTrainerTests.configuration(.erm, epochs: 1, batchSize: 32, seed: 15)
        let plain = try Trainer.train(model, x: x, labels: labels, scm: scm, configuration: configuration)
        configuration.privacy = DifferentialPrivacy(noiseMultiplier: 0, maxGradNorm: .infinity)
        let dp = try Trainer.train(model, x: x, labels: labels, scm: scm, configuration: configuration)
        #expect(bitIdentical(dp.model.parameters, plain.model.parameters))
        #expect(maxAbsDifference(dp.model.parameters, model.parameters) > 1e-4)  // it did step
    }

    @Test("the noise of an empty batch is N(0, (σC / expected batch size)²) per coordinate")
    func noiseScale() throws {
        let privacy = DifferentialPrivacy(noiseMultiplier: 1.5, maxGradNorm: 2)
        var generator = Xoshiro256StarStar(seed: 5)
        let gradient = privacy.noisedMean(privacy.clippedSum(Matrix(rows: 0, cols: 20_000)), expectedBatchSize: 10,
                                          generator: &generator)
        // Sample std of 20,000 normals: relative standard error ≈ 1/√(2·20,000) ≈ 0.5%.
        #expect(abs(mean(gradient)) < 0.3 * 4 / 141)  // 4 standard errors of the mean (0.3/√20,000 each)
        #expect(abs(variance(gradient).squareRoot() / 0.3 - 1) < 0.03)
    }

    @Test("Poisson sampling keeps each row with probability q, the same rows for a seed")
    func poissonSampling() throws {
        let candidates = Array(0..<100_000)
        var a = Xoshiro256StarStar(seed: 6), b = Xoshiro256StarStar(seed: 6)
        let first = DifferentialPrivacy.poissonSample(candidates, rate: 0.1, generator: &a)
        #expect(first == DifferentialPrivacy.poissonSample(candidates, rate: 0.1, generator: &b))
        // Binomial(100,000, 0.1): standard deviation ≈ 95; 5 of them.
        #expect(abs(first.count - 10_000) < 475)
        #expect(Set(first).count == first.count && first == first.sorted())
    }

    // MARK: the trainer

    static func privateConfiguration(_ objective: Objective, noise: Double = 1, clip: Double = 1,
                                     seed: UInt64 = 0) -> TrainingConfiguration {
        var configuration = TrainingTrainerTests.configuration(objective, epochs: 2, batchSize: 30, seed: seed)
        configuration.privacy = DifferentialPrivacy(noiseMultiplier: noise, maxGradNorm: clip)
        return configuration
    }

    @Test("sensei is refused under privacy: its fair metric is fitted on the training rows without noise")
    func senseiRefused() throws {
        let (scm, x, labels) = try TrainingLIN.fitted(rows: 120, seed: 31)
        #expect(throws: CausalFairError.self) {
            try Trainer.train(TrainingTrainerTests.smallMLP(), x: x, labels: labels, scm: scm,
                              configuration: Self.privateConfiguration(.sensei))
        }
    }

    @Test("a DP run is deterministic for a seed, differs for another, and reports no training loss",
          arguments: Objective.allCases.filter { $0 != .sensei })
    func determinism(objective: Objective) throws {
        let (scm, x, labels) = try TrainingLIN.fitted(rows: 120, seed: 31)
        var configuration = Self.privateConfiguration(objective, seed: 5)
        let first = try Trainer.train(TrainingTrainerTests.smallMLP(), x: x, labels: labels, scm: scm,
                                      configuration: configuration)
        let second = try Trainer.train(TrainingTrainerTests.smallMLP(), x: x, labels: labels, scm: scm,
                                       configuration: configuration)
        #expect(bitIdentical(first.model.parameters, second.model.parameters))
        #expect(first.model.parameters.allSatisfy { $0.isFinite })
        #expect(first.trainingLosses.count == 2 && first.trainingLosses.allSatisfy { $0.isNaN })
        configuration.seed = 6
        let other = try Trainer.train(TrainingTrainerTests.smallMLP(), x: x, labels: labels, scm: scm,
                                      configuration: configuration)
        #expect(maxAbsDifference(first.model.parameters, other.model.parameters) > 1e-6)
    }

    @Test("an empty Poisson sample sums to a zero gradient; runs with many empty samples train",
          arguments: [Objective.erm, .causalAT])
    func emptySamples(objective: Objective) throws {
        let f = try Fixture(nonlinear: false, rows: Array(0..<4))
        let context = try trainingObjective(f.model, Self.configuration(objective), space: f.space)
        var generator = Xoshiro256StarStar(seed: 7)
        let none = try context.clippedGradientSum(f.batch.gathering([]), privacy: Self.privateConfiguration(objective).privacy!,
                                                  generator: &generator)
        #expect(none == [Double](repeating: 0, count: f.model.parameters.count))
        // q = 1/120: about e^(−1) ≈ 37% of the 240 steps sample no row.
        let (scm, x, labels) = try TrainingLIN.fitted(rows: 120, seed: 31)
        var configuration = Self.privateConfiguration(objective)
        configuration.batchSize = 1
        let result = try Trainer.train(TrainingTrainerTests.smallMLP(), x: x, labels: labels, scm: scm,
                                       configuration: configuration)
        #expect(result.model.parameters.allSatisfy { $0.isFinite })
        #expect(result.model.parameters != TrainingTrainerTests.smallMLP().parameters)
    }

    @Test("DP-SGD with moderate noise still learns LIN (logistic regression, σ = 0.8, C = 1)")
    func learns() throws {
        let (scm, x, labels) = try TrainingLIN.fitted(rows: 2_000, seed: 8)
        var configuration = Self.privateConfiguration(.erm, noise: 0.8, clip: 1)
        configuration.epochs = 5
        configuration.batchSize = 100
        configuration.learningRate = 0.05
        var generator = Xoshiro256StarStar(seed: 9)
        let model = MultilayerPerceptron(widths: [3, 1], activation: .tanh, generator: &generator)
        let trained = try Trainer.train(model, x: x, labels: labels, scm: scm, configuration: configuration).model
        configuration.privacy = nil
        let plain = try Trainer.train(model, x: x, labels: labels, scm: scm, configuration: configuration).model
        let before = trainingMeanBCE(model, x, labels), after = trainingMeanBCE(trained, x, labels)
        let reference = trainingMeanBCE(plain, x, labels)
        #expect(after < before - 0.1)
        #expect(after < reference + 0.05)
    }

    @Test("DP settings are checked: σ ≥ 0 finite, C > 0 (finite with noise), no newton, no validation split, no sample weights")
    func validation() throws {
        let (scm, x, labels) = try TrainingLIN.fitted(rows: 60, seed: 31)
        func refused(_ change: (inout TrainingConfiguration) -> Void) -> Bool {
            var configuration = Self.privateConfiguration(.erm)
            change(&configuration)
            return trainingThrows(CausalFairError.invalidArgument("")) {
                try Trainer.train(TrainingTrainerTests.smallMLP(), x: x, labels: labels, scm: scm,
                                  configuration: configuration)
            }
        }
        #expect(refused { $0.privacy?.noiseMultiplier = -1 })
        #expect(refused { $0.privacy?.noiseMultiplier = .nan })
        #expect(refused { $0.privacy?.maxGradNorm = 0 })
        #expect(refused { $0.privacy?.maxGradNorm = .nan })
        #expect(refused { $0.privacy?.maxGradNorm = .infinity })
        #expect(refused { $0.optimizer = .newton })
        #expect(refused { $0.validationFraction = 0.2 })
        #expect(!refused { $0.privacy = DifferentialPrivacy(noiseMultiplier: 0, maxGradNorm: .infinity) })
        // Sample weights with DP: per-example clipping would undo them, so they are refused.
        let weighted = trainingThrows(CausalFairError.invalidArgument("")) {
            try Trainer.train(TrainingTrainerTests.smallMLP(), x: x, labels: labels,
                              sampleWeights: [Double](repeating: 1, count: labels.count), scm: scm,
                              configuration: Self.privateConfiguration(.erm))
        }
        #expect(weighted)
    }
}
