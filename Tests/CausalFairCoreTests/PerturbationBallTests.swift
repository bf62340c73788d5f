import Testing
@testable import CausalFairCore

/// Uniform sampling from the protected causal perturbation ball.
@Suite("Perturbation ball")
struct PerturbationBallTests {
    typealias L = LinearReference

    /// Row-major (row, level, sample) index of a ball point's center twin.
    static func centerIndex(_ i: Int, samples: Int) -> Int { i / samples }

    @Test("shape is (rows x levels x samples) x columns and points are within the radius of their twin")
    func withinRadius() throws {
        let (model, data) = try L.fitted(immutableA: true)
        let subset = data.gatherRows(Array(0..<8))
        let radius = 0.5, samples = 25
        let ball = try model.perturbationBall(subset, radius: radius, samples: samples, factualOnly: false, seed: 41)
        #expect(ball.rows == 8 * 2 * samples && ball.cols == 4)
        let twins = try model.twins(subset)
        let centers = twins.gatherRows((0..<ball.rows).map { Self.centerIndex($0, samples: samples) })
        let distances = try model.metric(ball, centers)
        #expect(distances.allSatisfy { $0 <= radius * (1 + 1e-9) })
        // The latent displacement is the drawn delta: phi(sample) - phi(twin) has norm <= radius.
        let z = try model.phi(ball), zc = try model.phi(centers)
        for i in 0..<ball.rows {
            let delta = (0..<4).filter { model.perturbable[$0] }.map { z[i, $0] - zc[i, $0] }
            #expect(norm(delta) <= radius * (1 + 1e-9))
        }
    }

    @Test("sensitive columns of every sample equal the twin level's code; immutable latents are unchanged")
    func sensitiveAndImmutableColumns() throws {
        let (model, data) = try L.fitted(immutableA: true)
        let subset = data.gatherRows(Array(0..<6))
        let samples = 10
        let ball = try model.perturbationBall(subset, radius: 1, samples: samples, factualOnly: false, seed: 42)
        for i in 0..<ball.rows {
            let r = i / (2 * samples), level = (i / samples) % 2
            #expect(ball[i, L.s] == Double(level))
            #expect(ball[i, L.a] == subset[r, L.a], "A is immutable and a root: its value is its latent")
        }
    }

    @Test("an immutable non-root node keeps its latent value in every ball point")
    func immutableNonRootLatent() throws {
        var nodes = L.nodes()
        nodes[L.x1].isImmutable = true
        var model = try StructuralCausalModel(nodes: nodes)
        let data = L.sample(rows: 500, seed: 43).data
        try model.fit(data, seed: 1)
        #expect(model.perturbable == [false, true, false, true])
        let subset = data.gatherRows(Array(0..<5))
        let samples = 20
        let ball = try model.perturbationBall(subset, radius: 2, samples: samples, factualOnly: false, seed: 44)
        let latent = try model.abduct(subset)
        let ballLatent = try model.abduct(ball)
        for i in 0..<ball.rows {
            let r = i / (2 * samples)
            #expect(abs(ballLatent[i, L.x1] - latent[r, L.x1]) < 1e-12)
        }
        // X1 moves across twins (through S) but never through its own noise: exactly
        // one value per (row, level).
        #expect(Set(column(ball, L.x1)).count == 2 * 5)
    }

    @Test("the radius distribution fills the ball: P(norm <= R/2) = 2^-d in phi space",
          arguments: [false, true])
    func radiusFillsBall(immutableA: Bool) throws {
        let (model, data) = try L.fitted(immutableA: immutableA)
        let d = model.perturbableCount
        #expect(d == (immutableA ? 2 : 3))
        let subset = data.gatherRows(Array(0..<4))
        let radius = 0.8, samples = 1_500
        let ball = try model.perturbationBall(subset, radius: radius, samples: samples, factualOnly: false, seed: 45)
        let twins = try model.twins(subset)
        let z = try model.phi(ball)
        let zc = try model.phi(twins)
        let columns = (0..<4).filter { model.perturbable[$0] }
        var inside = 0
        for i in 0..<ball.rows {
            let center = i / samples
            let ratio = norm(columns.map { z[i, $0] - zc[center, $0] }) / radius
            #expect(ratio <= 1 + 1e-9)
            if ratio <= 0.5 { inside += 1 }
        }
        let expected = power(0.5, Double(d))
        let observed = Double(inside) / Double(ball.rows)
        #expect(abs(observed - expected) < 4 * proportionStandardError(expected, ball.rows),
                "observed \(observed), expected \(expected) in d = \(d)")
    }

    @Test("radius 0 gives exactly the twins")
    func radiusZeroIsTwins() throws {
        let (model, data) = try CategoricalReference.fitted()
        let subset = data.gatherRows(Array(0..<4))
        let ball = try model.perturbationBall(subset, radius: 0, samples: 3, factualOnly: false, seed: 46)
        let twins = try model.twins(subset)
        #expect(ball.rows == 4 * 16 * 3)
        #expect(ball == twins.gatherRows((0..<ball.rows).map { $0 / 3 }))
        let (linear, ldata) = try L.fitted(immutableA: true)
        let lsubset = ldata.gatherRows(Array(0..<4))
        let lball = try linear.perturbationBall(lsubset, radius: 0, samples: 2, factualOnly: false, seed: 46)
        #expect(lball == (try linear.twins(lsubset)).gatherRows((0..<16).map { $0 / 2 }))
    }

    @Test("factualOnly keeps each row's own level only")
    func factualOnly() throws {
        let (model, data) = try CategoricalReference.fitted()
        let subset = data.gatherRows(Array(0..<6))
        let samples = 7
        let ball = try model.perturbationBall(subset, radius: 0.4, samples: samples, factualOnly: true, seed: 47)
        #expect(ball.rows == 6 * samples)
        let levels = try model.factualLevels(subset)
        let ballLevels = try model.factualLevels(ball)
        for i in 0..<ball.rows {
            #expect(ballLevels[i] == levels[i / samples])
            for c in 0..<9 { #expect(ball[i, c] == subset[i / samples, c]) }
        }
        let distances = try model.metric(ball, subset.gatherRows((0..<ball.rows).map { $0 / samples }))
        #expect(distances.allSatisfy { $0 <= 0.4 * (1 + 1e-9) })
        // Radius 0 and factual only: the rows themselves.
        let exact = try model.perturbationBall(subset, radius: 0, samples: 1, factualOnly: true, seed: 47)
        #expect(maxAbsDifference(exact, subset) < 1e-12)
    }

    @Test("every twin level's samples carry that level's categorical code")
    func categoricalCodes() throws {
        let (model, data) = try CategoricalReference.fitted()
        let subset = data.gatherRows([0, 1])
        let samples = 2
        let ball = try model.perturbationBall(subset, radius: 1, samples: samples, factualOnly: false, seed: 48)
        for i in 0..<ball.rows {
            let level = (i / samples) % 16
            let expected = (0..<8).map { $0 == level / 2 ? 1.0 : 0.0 } + [Double(level % 2)]
            #expect(Array(row(ball, i)[0..<9]) == expected)
        }
    }

    @Test("the same seed is bit-identical, a different seed differs")
    func seeds() throws {
        let (model, data) = try L.fitted()
        let subset = data.gatherRows(Array(0..<5))
        let first = try model.perturbationBall(subset, radius: 0.2, samples: 10, factualOnly: false, seed: 49)
        let second = try model.perturbationBall(subset, radius: 0.2, samples: 10, factualOnly: false, seed: 49)
        let other = try model.perturbationBall(subset, radius: 0.2, samples: 10, factualOnly: false, seed: 50)
        #expect(bitIdentical(first, second))
        #expect(!bitIdentical(first, other))
        #expect(maxAbsDifference(first, other) > 1e-3)
    }

    @Test("bad radius and sample counts throw invalidArgument")
    func badArguments() throws {
        let (model, data) = try L.fitted()
        let subset = data.gatherRows([0])
        for radius in [-0.1, .nan, .infinity] {
            let error = thrownError {
                try model.perturbationBall(subset, radius: radius, samples: 1, factualOnly: false, seed: 1)
            }
            #expect(error?.kind == .invalidArgument, "radius \(radius)")
        }
        for samples in [0, -3] {
            let error = thrownError {
                try model.perturbationBall(subset, radius: 1, samples: samples, factualOnly: false, seed: 1)
            }
            #expect(error?.kind == .invalidArgument, "samples \(samples)")
        }
        let huge = thrownError {
            try model.perturbationBall(subset, radius: 1, samples: 1 << 40, factualOnly: false, seed: 1)
        }
        #expect(huge?.kind == .tooLarge)
    }
}
