import Testing
@testable import CausalFairCore

/// Sample weights in the SCM's fit (`StructuralCausalModel.fit(_:sampleWeights:seed:)`):
/// integer weights act as repeated rows and zero weights as dropped rows in every
/// mechanism's fit — least squares, the discrete mechanisms' Newton solve, and MLPs
/// trained full-batch — the weighted least squares matches an independent solver, and
/// bad weights are refused.
@Suite("SCM: sample weights")
struct SCMSampleWeightTests {
    /// S binary sensitive root, A continuous root, X = linear(S, A) + U,
    /// B binary Gumbel-max (linear logits of S, X), C categorical(3) Gumbel-max (linear
    /// logits of S, A), Y = mlp(X, C) + U and D binary Gumbel-max with MLP logits of X.
    /// The MLPs take one batch of every row (`batch` ≥ rows), so their fits are full-batch.
    static func nodes(batch: Int) -> [NodeSpecification] {
        let mlp = MechanismSpecification.mlp(hidden: [4], activation: .tanh, epochs: 5, batchSize: batch,
                                             learningRate: 0.01)
        return [
            NodeSpecification(kind: .binary, isSensitive: true),
            NodeSpecification(kind: .continuous),
            NodeSpecification(kind: .continuous, parents: [0, 1], mechanism: .linear(ridge: 0)),
            NodeSpecification(kind: .binary, parents: [0, 2], mechanism: .linear(ridge: 0), discrete: .gumbelMax),
            NodeSpecification(kind: .categorical(levels: 3), parents: [0, 1], mechanism: .linear(ridge: 0),
                              discrete: .gumbelMax),
            NodeSpecification(kind: .continuous, parents: [2, 4], mechanism: mlp),
            NodeSpecification(kind: .binary, parents: [2], mechanism: mlp, discrete: .gumbelMax),
        ]
    }

    /// Rows of the model of `nodes` (columns S, A, X, B, C₀, C₁, C₂, Y, D).
    static func sample(rows: Int, seed: UInt64) -> Matrix {
        var generator = Xoshiro256StarStar(seed: seed)
        var data = Matrix(rows: rows, cols: 9)
        for r in 0..<rows {
            let s = generator.bernoulli(0.4)
            let a = generator.normal()
            let x = 1.5 * s - 0.8 * a + generator.normal(mean: 0, standardDeviation: 0.5)
            let b = generator.bernoulli(sigmoid(-0.3 + s - 0.7 * x))
            let logits = [0, 0.4 + s - 0.5 * a, -0.2 - s + 0.6 * a]
            let gumbels = logits.map { $0 - logarithm(-logarithm(generator.uniformPositive())) }
            let c = gumbels.indices.max { gumbels[$0] < gumbels[$1] } ?? 0
            let y = hyperbolicTangent(x) + 0.5 * Double(c) + generator.normal(mean: 0, standardDeviation: 0.3)
            data[r, 0] = s
            data[r, 1] = a
            data[r, 2] = x
            data[r, 3] = b
            data[r, 4 + c] = 1
            data[r, 7] = y
            data[r, 8] = generator.bernoulli(sigmoid(x))
        }
        return data
    }

    static func fit(_ data: Matrix, weights: [Double]?, batch: Int = 10_000) throws -> StructuralCausalModel {
        var model = try StructuralCausalModel(nodes: nodes(batch: batch))
        try model.fit(data, sampleWeights: weights, seed: 7)
        return model
    }

    @Test("integer weights give the fit on repeated rows: every mechanism, linear, Newton and full-batch MLPs (1e-9)")
    func integerWeightsRepeatRows() throws {
        let data = Self.sample(rows: 300, seed: 1)
        let weights = TrainingSampleWeightTests.integerWeights(data.rows, seed: 2)
        #expect(weights.contains(0) && weights.contains(3))
        let weighted = try Self.fit(data, weights: weights).exportedParameters()
        let repeated = try Self.fit(data.gatherRows(TrainingSampleWeightTests.repeated(weights)), weights: nil)
            .exportedParameters()
        #expect(maxAbsDifference(weighted, repeated) < 1e-9)
        // The weights matter: the unweighted fit differs.
        #expect(maxAbsDifference(try Self.fit(data, weights: nil).exportedParameters(), weighted) > 1e-3)
    }

    /// Within the categorical Newton solve's tolerance (its line search compares weighted
    /// sums, whose rounding differs from the plain sum's, so it may stop one step apart):
    /// 1e-8 (measured 3e-9); the other fits agree to rounding (1e-15).
    @Test("zero weights drop their rows: the fits (1e-8) and the latent sample, which holds the other rows' noise")
    func zeroWeightsDropRows() throws {
        let data = Self.sample(rows: 200, seed: 3)
        let weights = (0..<data.rows).map { $0 % 3 == 0 ? 0.0 : 1.0 }
        let kept = weights.indices.filter { weights[$0] > 0 }
        // A minibatch MLP too: the same rows in the same order are shuffled alike.
        for batch in [10_000, 16] {
            let weighted = try Self.fit(data, weights: weights, batch: batch)
            let dropped = try Self.fit(data.gatherRows(kept), weights: nil, batch: batch)
            #expect(maxAbsDifference(try weighted.exportedParameters(), try dropped.exportedParameters()) < 1e-8)
            #expect(weighted.latentSample.rows == kept.count)
            #expect(maxAbsDifference(weighted.latentSample.storage, dropped.latentSample.storage) < 1e-7)
        }
    }

    @Test("equal weights of any size change nothing (1e-9, the Newton tolerance): the fit depends on the weights' ratios")
    func equalWeightsChangeNothing() throws {
        let data = Self.sample(rows: 150, seed: 4)
        let plain = try Self.fit(data, weights: nil, batch: 32).exportedParameters()
        for value in [1.0, 0.25, 40.0] {
            let equal = try Self.fit(data, weights: [Double](repeating: value, count: data.rows), batch: 32)
            #expect(maxAbsDifference(try equal.exportedParameters(), plain) < 1e-9, "weight \(value)")
        }
    }

    @Test("weighted least squares equals an independent solve of the weighted normal equations (1e-9)")
    func weightedLeastSquaresReference() throws {
        let data = Self.sample(rows: 400, seed: 5)
        var generator = Xoshiro256StarStar(seed: 6)
        let weights = (0..<data.rows).map { _ in 0.1 + 3 * generator.uniform() }
        let mechanism = try #require(linearMechanism(try Self.fit(data, weights: weights), 2))
        let reference = referenceLeastSquares([column(data, 0), column(data, 1)], column(data, 2), weights: weights)
        let fitted = column(mechanism.weights, 0) + mechanism.bias
        #expect(maxAbsDifference(reference, fitted) < 1e-9, "\(reference) vs \(fitted)")
        let unweighted = referenceLeastSquares([column(data, 0), column(data, 1)], column(data, 2))
        #expect(maxAbsDifference(unweighted, fitted) > 1e-4)
    }

    @Test("bad weights are refused with a message: wrong length, negative, NaN, infinite, all zero")
    func badWeightsRefused() throws {
        let data = Self.sample(rows: 50, seed: 8)
        var model = try StructuralCausalModel(nodes: Self.nodes(batch: 64))
        let cases: [([Double], String)] = [
            ([Double](repeating: 1, count: 49), "sample_weight has 49 values, X has 50 rows"),
            ([-1] + [Double](repeating: 1, count: 49), "sample_weight must be finite and >= 0"),
            ([.nan] + [Double](repeating: 1, count: 49), "sample_weight must be finite and >= 0"),
            ([.infinity] + [Double](repeating: 1, count: 49), "sample_weight must be finite and >= 0"),
            ([Double](repeating: 0, count: 50), "sample_weight must have a positive, finite sum"),
        ]
        for (weights, message) in cases {
            let error = thrownError { try model.fit(data, sampleWeights: weights, seed: 0) }
            #expect(error == .invalidArgument(message))
        }
        #expect(!model.isFitted)
    }
}
