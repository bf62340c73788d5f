import Testing
@testable import CausalFairCore

/// Sample weights in training (`RowWeighting`): integer weights act as repeated rows
/// and zero weights as dropped rows — in Newton's solution, in full-batch Adam runs
/// and in every deterministic objective's batch loss and gradient — and weights that
/// are all equal change nothing beyond rounding, also in the randomised objectives.
@Suite("Training: sample weights")
struct TrainingSampleWeightTests {
    /// Integer weights 0...3 (some zeros), from a fixed stream.
    static func integerWeights(_ rows: Int, seed: UInt64) -> [Double] {
        var generator = Xoshiro256StarStar(seed: seed)
        return (0..<rows).map { _ in Double(Int(generator.uniform() * 4)) }
    }

    /// Row indices with row r repeated `weights[r]` times.
    static func repeated(_ weights: [Double]) -> [Int] {
        weights.indices.flatMap { r in [Int](repeating: r, count: Int(weights[r])) }
    }

    static func newton(_ x: Matrix, _ y: [Double], weights: [Double]?) throws -> [Double] {
        var configuration = TrainingConfiguration()
        configuration.optimizer = .newton
        configuration.epochs = 50
        configuration.weightDecay = 1e-3
        configuration.tolerance = 1e-12
        var generator = Xoshiro256StarStar(seed: 1)
        let model = MultilayerPerceptron(widths: [x.cols, 1], activation: .tanh, generator: &generator)
        let result = try Trainer.train(model, x: x, labels: y, sampleWeights: weights, scm: nil,
                                       configuration: configuration)
        #expect(result.converged == true)
        return result.model.parameters
    }

    @Test("newton: integer weights give the solution on repeated rows (1e-10), zero weights that without the rows")
    func newtonRepetition() throws {
        let (x, y) = TrainingLIN.sample(rows: 300, seed: 5)
        let weights = Self.integerWeights(x.rows, seed: 6)
        #expect(weights.contains(0) && weights.contains(3))
        let weighted = try Self.newton(x, y, weights: weights)
        let rows = Self.repeated(weights)
        let duplicated = try Self.newton(x.gatherRows(rows), rows.map { y[$0] }, weights: nil)
        #expect(maxAbsDifference(weighted, duplicated) < 1e-10, "\(weighted) vs \(duplicated)")

        let kept = weights.indices.filter { weights[$0] > 0 }
        let binary = weights.map { $0 > 0 ? 1.0 : 0.0 }
        let dropped = try Self.newton(x.gatherRows(kept), kept.map { y[$0] }, weights: nil)
        #expect(maxAbsDifference(try Self.newton(x, y, weights: binary), dropped) < 1e-10)
        // The weights matter: the unweighted solution differs.
        #expect(maxAbsDifference(try Self.newton(x, y, weights: nil), weighted) > 1e-3)
    }

    @Test("adam, one batch of every row, no validation: integer weights follow the run on repeated rows (1e-9)")
    func adamFullBatch() throws {
        let (x, y) = TrainingLIN.sample(rows: 120, seed: 7)
        let weights = Self.integerWeights(x.rows, seed: 8)
        let rows = Self.repeated(weights)
        var configuration = TrainingConfiguration()
        configuration.epochs = 40
        configuration.batchSize = 1_000
        configuration.learningRate = 0.05
        func run(_ x: Matrix, _ y: [Double], _ weights: [Double]?) throws -> [Double] {
            let model = try trainingNetwork([x.cols, 4, 1], .tanh, seed: 9)
            return try Trainer.train(model, x: x, labels: y, sampleWeights: weights, scm: nil,
                                     configuration: configuration).model.parameters
        }
        let weighted = try run(x, y, weights)
        let duplicated = try run(x.gatherRows(rows), rows.map { y[$0] }, nil)
        #expect(maxAbsDifference(weighted, duplicated) < 1e-9)
        #expect(maxAbsDifference(try run(x, y, nil), weighted) > 1e-3)
    }

    /// Deterministic objectives (no random draws in `evaluate`), with the twin penalty on for one.
    static let deterministic: [(Objective, Bool, Double)] = [
        (.erm, false, 0), (.erm, false, 0.5), (.al, false, 0), (.causalAT, true, 0), (.causalAT, false, 0),
    ]

    @Test("deterministic objectives: a weighted batch's loss and gradient are those of its repeated rows (1e-12)",
          arguments: 0..<deterministic.count)
    func objectiveRepetition(index: Int) throws {
        let (objective, exact, penalty) = Self.deterministic[index]
        let f = try TrainingObjectiveGradientTests.Fixture(nonlinear: false, linearModel: exact)
        var configuration = TrainingConfiguration()
        configuration.objective = objective
        configuration.exactWhenLinear = exact
        configuration.twinPenalty = penalty
        let raw: [Double] = [2, 0, 1, 3, 1, 1]
        let rows = Self.repeated(raw)
        let normalised = try #require(try RowWeighting.normalised(raw, rows: raw.count))
        var weighted = f.batch
        weighted.weights = normalised
        let duplicated = try trainingBatch(f.batch.x, f.batch.labels, rows: rows, space: f.space)
        let context = try trainingObjective(f.model, configuration, space: f.space)
        var generator = Xoshiro256StarStar(seed: 0), other = Xoshiro256StarStar(seed: 0)
        let a = try context.evaluate(weighted, generator: &generator)
        let b = try context.evaluate(duplicated, generator: &other)
        #expect(abs(a.loss - b.loss) < 1e-12)
        #expect(maxAbsDifference(a.gradient, b.gradient) < 1e-12)
        let plain = try context.evaluate(f.batch, generator: &generator)
        #expect(abs(plain.loss - a.loss) > 1e-6)
    }

    @Test("every objective: equal weights give the unweighted loss and gradient (1e-12, the same draws)",
          arguments: [Objective.erm, .al, .cal, .llr, .capify, .causalAT, .trades, .ross, .sensei])
    func equalWeights(objective: Objective) throws {
        let f = try TrainingObjectiveGradientTests.Fixture(nonlinear: true)
        var configuration = TrainingConfiguration()
        configuration.objective = objective
        configuration.twinPenalty = 0.3
        var weighted = f.batch
        weighted.weights = [Double](repeating: 1, count: f.batch.rows)
        let context = try trainingObjective(f.model, configuration, space: f.space)
        var generator = Xoshiro256StarStar(seed: 4), other = Xoshiro256StarStar(seed: 4)
        let a = try context.evaluate(weighted, generator: &generator)
        let b = try context.evaluate(f.batch, generator: &other)
        #expect(abs(a.loss - b.loss) < 1e-12)
        #expect(maxAbsDifference(a.gradient, b.gradient) < 1e-12)
    }

    @Test("refused: a wrong count, a negative or non-finite weight, weights summing to 0")
    func refused() throws {
        let (x, y) = TrainingLIN.sample(rows: 20, seed: 5)
        let model = try trainingNetwork([x.cols, 1], .tanh, seed: 1)
        for weights in [[Double](repeating: 1, count: 19), [-1] + [Double](repeating: 1, count: 19),
                        [.nan] + [Double](repeating: 1, count: 19), [Double](repeating: 0, count: 20)] {
            #expect(throws: CausalFairError.self) {
                try Trainer.train(model, x: x, labels: y, sampleWeights: weights, scm: nil,
                                  configuration: TrainingConfiguration())
            }
        }
    }
}
