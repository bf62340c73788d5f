import Testing
@testable import CausalFairCore

/// Fitting, abduction, propagation and counterfactuals of a linear SCM with known
/// coefficients (`LinearReference`).
@Suite("Linear SCM")
struct LinearSCMTests {
    typealias L = LinearReference

    @Test("fitted coefficients recover the true ones within sampling error")
    func fittedCoefficients() throws {
        let (model, data) = try L.fitted(rows: 20_000, seed: 21)
        let x1 = try #require(linearMechanism(model, L.x1))
        let x2 = try #require(linearMechanism(model, L.x2))
        #expect(x1.weights.rows == 1 && x1.weights.cols == 1 && x1.bias.count == 1)
        #expect(x2.weights.rows == 3 && x2.weights.cols == 1 && x2.bias.count == 1)
        // Standard errors are about sigma / sqrt(n var(x)) <= 0.015 here; 0.05 is > 4 SE.
        #expect(abs(x1.weights[0, 0] - L.x1Weights[0]) < 0.05)
        #expect(abs(x1.bias[0] - L.x1Bias) < 0.05)
        for (j, truth) in L.x2Weights.enumerated() {
            #expect(abs(x2.weights[j, 0] - truth) < 0.05, "X2 weight on parent \(j)")
        }
        #expect(abs(x2.bias[0] - L.x2Bias) < 0.05)
        #expect(model.mechanisms[L.s] == nil && model.mechanisms[L.a] == nil)

        // The fit is the least-squares solution: it matches an independent OLS.
        let reference = referenceLeastSquares(
            [column(data, L.s), column(data, L.x1), column(data, L.a)], column(data, L.x2))
        #expect(maxAbsDifference(reference, column(x2.weights, 0) + x2.bias) < 1e-8)
    }

    @Test("noise scales and the latent sample are the abducted noise of the fitting data")
    func noiseScalesAndLatentSample() throws {
        let (model, data) = try L.fitted(rows: 20_000, seed: 22)
        #expect(model.isFitted)
        #expect(bitIdentical(model.latentSample, try model.abduct(data)))
        #expect(abs(model.noiseScales[2] - L.x1NoiseScale) < 0.03)
        #expect(abs(model.noiseScales[3] - L.x2NoiseScale) < 0.015)
        #expect(abs(model.noiseScales[1] - L.aScale) < 0.05)
        #expect(abs(model.noiseScales[0] - 0.5) < 0.01)
    }

    @Test("abduction recovers the true noise up to the coefficient error")
    func abductionRecoversNoise() throws {
        var model = try L.model()
        let (data, noise) = L.sample(rows: 20_000, seed: 23)
        try model.fit(data, seed: 1)
        let latent = try model.abduct(data)
        // Roots keep their values.
        #expect(column(latent, 0) == column(data, 0))
        #expect(column(latent, 1) == column(data, 1))
        let error1 = zip(column(latent, 2), column(noise, 2)).map { abs($0 - $1) }
        let error2 = zip(column(latent, 3), column(noise, 3)).map { abs($0 - $1) }
        #expect(mean(error1) < 0.05)
        #expect(mean(error2) < 0.05)
        // The abducted noise of a least-squares fit has mean zero.
        #expect(abs(mean(column(latent, 2))) < 1e-9)
        #expect(abs(mean(column(latent, 3))) < 1e-9)
    }

    @Test("propagate(abduct(v)) == v")
    func abductPropagateIdentity() throws {
        let (model, data) = try L.fitted()
        let roundTrip = try model.propagate(model.abduct(data))
        #expect(maxAbsDifference(roundTrip, data) < 1e-12)
        // And the other way: abduct(propagate(u)) == u for arbitrary latents.
        var generator = Xoshiro256StarStar(seed: 24)
        var latent = randomMatrix(rows: 50, cols: 4, generator: &generator)
        for r in 0..<50 { latent[r, 0] = Double(r % 2) }
        #expect(maxAbsDifference(try model.abduct(model.propagate(latent)), latent) < 1e-12)
    }

    @Test("counterfactual of flipping S equals x + (s' - s) * total effect from the fitted coefficients")
    func counterfactualClosedForm() throws {
        let (model, data) = try L.fitted()
        let x1 = try #require(linearMechanism(model, L.x1))
        let x2 = try #require(linearMechanism(model, L.x2))
        // Total effect of S by path products: S -> X1, S -> X2, S -> X1 -> X2.
        let effectOnX1 = x1.weights[0, 0]
        let effectOnX2 = x2.weights[0, 0] + x2.weights[1, 0] * x1.weights[0, 0]
        #expect(abs(effectOnX2 - L.trueTotalEffectOnX2) < 0.1)
        let rows = 200
        let subset = data.gatherRows(Array(0..<rows))
        for target in [0.0, 1.0] {
            let cf = try model.counterfactual(subset, interventions: [(node: L.s, values: matrix([[target]]))])
            for r in 0..<rows {
                let delta = target - subset[r, 0]
                #expect(cf[r, 0] == target)
                #expect(cf[r, 1] == subset[r, 1])
                #expect(abs(cf[r, 2] - (subset[r, 2] + delta * effectOnX1)) < 1e-12)
                #expect(abs(cf[r, 3] - (subset[r, 3] + delta * effectOnX2)) < 1e-12)
            }
        }
    }

    @Test("intervening on a mediator changes only its descendants, by the path product")
    func interventionOnMediator() throws {
        let (model, data) = try L.fitted()
        let x2 = try #require(linearMechanism(model, L.x2))
        let subset = data.gatherRows(Array(0..<20))
        let values = matrix((0..<20).map { [Double($0) - 10] })          // one value per row
        let cf = try model.counterfactual(subset, interventions: [(node: L.x1, values: values)])
        for r in 0..<20 {
            #expect(cf[r, 0] == subset[r, 0] && cf[r, 1] == subset[r, 1])
            #expect(cf[r, 2] == values[r, 0])
            let expected = subset[r, 3] + x2.weights[1, 0] * (values[r, 0] - subset[r, 2])
            #expect(abs(cf[r, 3] - expected) < 1e-12)
        }
        // No intervention: the counterfactual is the data itself.
        #expect(maxAbsDifference(try model.counterfactual(subset, interventions: []), subset) < 1e-12)
    }

    @Test("intervening on A and S together adds both effects")
    func jointIntervention() throws {
        let (model, data) = try L.fitted()
        let x1 = try #require(linearMechanism(model, L.x1))
        let x2 = try #require(linearMechanism(model, L.x2))
        let subset = data.gatherRows(Array(0..<10))
        let cf = try model.counterfactual(subset, interventions: [
            (node: L.a, values: matrix([[4.0]])), (node: L.s, values: matrix([[1.0]])),
        ])
        for r in 0..<10 {
            let ds = 1 - subset[r, 0], da = 4 - subset[r, 1]
            let expected = subset[r, 3] + ds * (x2.weights[0, 0] + x2.weights[1, 0] * x1.weights[0, 0])
                + da * x2.weights[2, 0]
            #expect(abs(cf[r, 3] - expected) < 1e-12)
        }
    }

    @Test("a ridge penalty shrinks the fitted weights toward zero")
    func ridgeShrinks() throws {
        let data = L.sample(rows: 500, seed: 25).data
        var plain = try L.model()
        try plain.fit(data, seed: 1)
        var nodes = L.nodes()
        nodes[L.x2].mechanism = .linear(ridge: 1_000)
        var ridged = try StructuralCausalModel(nodes: nodes)
        try ridged.fit(data, seed: 1)
        let w0 = try #require(linearMechanism(plain, L.x2)).weights
        let w1 = try #require(linearMechanism(ridged, L.x2)).weights
        let n0 = norm(w0.storage), n1 = norm(w1.storage)
        #expect(n1 < 0.9 * n0, "ridge norm \(n1) vs plain \(n0)")
    }

    @Test("a categorical parent's first level is dropped: its weight is exactly 0")
    func categoricalParentDroppedLevel() throws {
        let (model, _) = try CategoricalReference.fitted()
        let x = try #require(linearMechanism(model, CategoricalReference.x))
        #expect(x.weights.rows == 9)
        #expect(x.weights[0, 0] == 0)
        // Level effects relative to level 0: 0.3 * level.
        for level in 1..<8 {
            #expect(abs(x.weights[level, 0] - 0.3 * Double(level)) < 0.3, "level \(level)")
        }
        #expect(abs(x.weights[8, 0] + 1) < 0.2)
    }
}
