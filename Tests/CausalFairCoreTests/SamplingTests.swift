import Testing
@testable import CausalFairCore

/// Observational and interventional sampling from a fitted SCM.
@Suite("Sampling")
struct SamplingTests {
    typealias L = LinearReference

    @Test("sampling with normal and bernoulli noise reproduces the mechanisms and noise laws")
    func observationalSample() throws {
        let (model, _) = try L.fitted(noise: true)
        let x1 = try #require(linearMechanism(model, L.x1))
        let x2 = try #require(linearMechanism(model, L.x2))
        let n = 20_000
        let sample = try model.sample(count: n, interventions: [], seed: 81)
        #expect(sample.rows == n && sample.cols == 4)
        let s = column(sample, 0)
        #expect(s.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(abs(mean(s) - 0.5) < 5 * proportionStandardError(0.5, n))
        let a = column(sample, 1)
        #expect(abs(mean(a) - L.aMean) < 5 * L.aScale / Double(n).squareRoot())
        #expect(abs(variance(a).squareRoot() - L.aScale) < 0.05)
        // Regressions of the sampled children on their parents recover the model's coefficients.
        let fit1 = referenceLeastSquares([s], column(sample, 2))
        #expect(abs(fit1[0] - x1.weights[0, 0]) < 0.05)
        #expect(abs(fit1[1] - x1.bias[0]) < 0.05)
        let fit2 = referenceLeastSquares([s, column(sample, 2), a], column(sample, 3))
        for j in 0..<3 { #expect(abs(fit2[j] - x2.weights[j, 0]) < 0.05, "X2 on parent \(j)") }
        #expect(abs(fit2[3] - x2.bias[0]) < 0.05)
        // The residual of the child is its noise: Normal(0, scale).
        let latent = try model.abduct(sample)
        #expect(abs(variance(column(latent, 2)).squareRoot() - L.x1NoiseScale) < 0.03)
        #expect(abs(variance(column(latent, 3)).squareRoot() - L.x2NoiseScale) < 0.015)
    }

    @Test("an interventional sample sets the node and shifts its descendants")
    func interventionalSample() throws {
        let (model, _) = try L.fitted(noise: true)
        let x2 = try #require(linearMechanism(model, L.x2))
        let n = 20_000
        let sample = try model.sample(count: n, interventions: [(node: L.x1, values: matrix([[3.0]]))], seed: 82)
        #expect(column(sample, 2).allSatisfy { $0 == 3 })
        let expectedMean = x2.weights[0, 0] * 0.5 + x2.weights[1, 0] * 3 + x2.weights[2, 0] * L.aMean + x2.bias[0]
        let spread = (power(x2.weights[0, 0], 2) * 0.25 + power(x2.weights[2, 0] * L.aScale, 2)
            + L.x2NoiseScale * L.x2NoiseScale).squareRoot()
        #expect(abs(mean(column(sample, 3)) - expectedMean) < 5 * spread / Double(n).squareRoot())
        // Intervening on S sets it for everyone and cuts nothing upstream (A is unaffected).
        let treated = try model.sample(count: 1_000, interventions: [(node: L.s, values: matrix([[1.0]]))], seed: 83)
        #expect(column(treated, 0).allSatisfy { $0 == 1 })
        // Per-row interventions.
        let values = matrix((0..<10).map { [Double($0)] })
        let perRow = try model.sample(count: 10, interventions: [(node: L.a, values: values)], seed: 84)
        #expect(column(perRow, 1) == (0..<10).map(Double.init))
    }

    @Test("the same seed gives a bit-identical sample, another seed a different one")
    func sampleSeeds() throws {
        for noise in [false, true] {
            let (model, _) = try L.fitted(noise: noise)
            let first = try model.sample(count: 500, interventions: [], seed: 85)
            let second = try model.sample(count: 500, interventions: [], seed: 85)
            let other = try model.sample(count: 500, interventions: [], seed: 86)
            #expect(bitIdentical(first, second))
            #expect(!bitIdentical(first, other))
        }
    }

    @Test("empirical noise draws rows of the latent sample, independently per node")
    func empiricalNoise() throws {
        let (model, _) = try L.fitted(rows: 300)
        let sample = try model.sample(count: 2_000, interventions: [], seed: 87)
        let latent = try model.abduct(sample)
        for c in 0..<4 {
            let support = Set(column(model.latentSample, c))
            #expect(column(latent, c).allSatisfy { value in
                support.contains(value) || support.contains { abs($0 - value) < 1e-12 }
            }, "column \(c)")
        }
        // Independence across nodes: sampled S and A are uncorrelated although each is a
        // resampled fitting row (mean of S near 1/2 and the covariance near 0).
        let s = column(sample, 0), a = column(sample, 1)
        let covariance = mean(zip(s, a).map { $0 * $1 }) - mean(s) * mean(a)
        #expect(abs(covariance) < 5 * 0.5 * L.aScale / (2_000.0).squareRoot())
    }

    @Test("gamma noise has mean loc + shape * scale")
    func gammaNoise() throws {
        let nodes = [NodeSpecification(kind: .continuous, noise: .gamma(shape: 2, scale: 1.5, loc: -1))]
        var model = try StructuralCausalModel(nodes: nodes)
        try model.fit(matrix([[0], [1], [2]]), seed: 1)
        let n = 20_000
        let values = column(try model.sample(count: n, interventions: [], seed: 88), 0)
        #expect(values.allSatisfy { $0 > -1 })
        #expect(abs(mean(values) - 2) < 5 * (2 * 1.5 * 1.5 / Double(n)).squareRoot())
    }
}
