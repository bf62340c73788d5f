import Testing
@testable import CausalFairCore

/// The semi-latent map φ, its inverse and the causal fair metric.
@Suite("Semi-latent coordinates and fair metric")
struct SemiLatentTests {
    typealias L = LinearReference

    @Test("phi keeps sensitive values and abducts the rest; phiInverse(phi(v)) == v")
    func phiRoundTrip() throws {
        let (model, data) = try L.fitted(immutableA: true)
        let z = try model.phi(data)
        let latent = try model.abduct(data)
        #expect(column(z, 0) == column(data, 0))
        for c in 1..<4 { #expect(column(z, c) == column(latent, c)) }
        #expect(maxAbsDifference(try model.phiInverse(z), data) < 1e-12)
        let (categorical, cdata) = try CategoricalReference.fitted()
        #expect(maxAbsDifference(try categorical.phiInverse(categorical.phi(cdata)), cdata) < 1e-12)
        let (nonlinear, ndata) = try NonlinearReference.fitted()
        #expect(maxAbsDifference(try nonlinear.phiInverse(nonlinear.phi(ndata)), ndata) < 1e-12)
    }

    @Test("phi differs from abduct on a sensitive node that has parents")
    func sensitiveChildKeepsValue() throws {
        // 0 A root; 1 S binary sensitive, S = f(A) + U; 2 X = g(S, A) + U.
        let nodes = [
            NodeSpecification(kind: .continuous),
            NodeSpecification(kind: .binary, parents: [0], isSensitive: true, mechanism: .linear(ridge: 0)),
            NodeSpecification(kind: .continuous, parents: [1, 0], mechanism: .linear(ridge: 0)),
        ]
        var model = try StructuralCausalModel(nodes: nodes)
        var generator = Xoshiro256StarStar(seed: 31)
        var data = Matrix(rows: 500, cols: 3)
        for r in 0..<500 {
            let a = generator.normal()
            let s = generator.bernoulli(sigmoid(2 * a))
            data[r, 0] = a
            data[r, 1] = s
            data[r, 2] = 1.5 * s - a + generator.normal()
        }
        try model.fit(data, seed: 1)
        let z = try model.phi(data)
        #expect(column(z, 1) == column(data, 1))
        #expect(maxAbsDifference(try model.phiInverse(z), data) < 1e-12)
        // Changing A in z does not move S (held at z's value) but moves X.
        var moved = z
        for r in 0..<500 { moved[r, 0] += 1 }
        let v = try model.phiInverse(moved)
        #expect(column(v, 1) == column(data, 1))
        let x = try #require(linearMechanism(model, 2))
        for r in 0..<5 { #expect(abs(v[r, 2] - (data[r, 2] + x.weights[1, 0])) < 1e-12) }
    }

    @Test("the metric is 0 between a row and each of its twins")
    func metricZeroToTwins() throws {
        for immutable in [false, true] {
            let (model, data) = try L.fitted(immutableA: immutable)
            let subset = data.gatherRows(Array(0..<50))
            let twins = try model.twins(subset)
            let repeated = subset.gatherRows((0..<100).map { $0 / 2 })
            let distances = try model.metric(repeated, twins)
            #expect(distances.allSatisfy { $0 >= 0 && $0 < 1e-12 }, "immutable A: \(immutable)")
        }
        let (categorical, cdata) = try CategoricalReference.fitted()
        let subset = cdata.gatherRows(Array(0..<5))
        let twins = try categorical.twins(subset)
        let distances = try categorical.metric(subset.gatherRows((0..<80).map { $0 / 16 }), twins)
        #expect(distances.allSatisfy { $0 < 1e-12 })
    }

    @Test("the metric is symmetric and equals the latent distance on perturbable columns")
    func metricSymmetricAndValue() throws {
        let (model, data) = try L.fitted(immutableA: true)
        let x2 = try #require(linearMechanism(model, L.x2))
        let a = data.gatherRows(Array(0..<40))
        var b = a
        var generator = Xoshiro256StarStar(seed: 32)
        var shifts: [Double] = []
        for r in 0..<40 {
            let shift = generator.normal()
            shifts.append(shift)
            b[r, L.x1] += shift          // move X1 only: u1 moves by shift, u2 by -w * shift
            b[r, L.s] = 1 - b[r, L.s]    // and flip S: sensitive columns do not count
        }
        let ab = try model.metric(a, b)
        let ba = try model.metric(b, a)
        #expect(ab == ba)
        for r in 0..<40 {
            // Flipping S with X1 and X2 held moves u2 by -w_S (s' - s); X1's u by the shift and -w_S1.
            let x1 = try #require(linearMechanism(model, L.x1))
            let ds = b[r, L.s] - a[r, L.s]
            let du1 = shifts[r] - x1.weights[0, 0] * ds
            let du2 = -x2.weights[1, 0] * shifts[r] - x2.weights[0, 0] * ds
            let expected = (du1 * du1 + du2 * du2).squareRoot()
            #expect(abs(ab[r] - expected) < 1e-10 * (1 + expected))
        }
        // Identical rows are at distance 0.
        #expect(try model.metric(a, a).allSatisfy { $0 == 0 })
    }

    @Test("the metric is homogeneous over extreme scales: no overflow for differences of 1e200")
    func metricExtremeScales() throws {
        let (model, data) = try L.fitted()
        let a = data.gatherRows(Array(0..<20))
        func shifted(_ amount: Double) -> Matrix {
            var b = a
            for r in 0..<a.rows { b[r, L.x1] += amount * Double(r + 1) }
            return b
        }
        let unit = try model.metric(a, shifted(1))
        for scale in [1e200, 1e150, 1e100] {
            let far = try model.metric(a, shifted(scale))
            for r in 0..<a.rows { #expect(abs(far[r] / scale - unit[r]) < 1e-9 * unit[r], "\(scale) row \(r)") }
        }
    }

    @Test("the metric is infinite when an immutable node's latent value differs")
    func metricInfiniteOnImmutable() throws {
        let (model, data) = try L.fitted(immutableA: true)
        let a = data.gatherRows(Array(0..<10))
        var b = a
        for r in 0..<10 { b[r, L.a] += 1e-3 }
        #expect(try model.metric(a, b).allSatisfy { $0 == .infinity })
        #expect(try model.metric(b, a).allSatisfy { $0 == .infinity })
        // The same change is finite when A is mutable: it counts as latent distance.
        let (mutable, _) = try L.fitted(immutableA: false)
        let distances = try mutable.metric(a, b)
        #expect(distances.allSatisfy { $0.isFinite && $0 > 1e-4 })
    }

    @Test("the metric obeys the triangle inequality")
    func metricTriangle() throws {
        let (model, data) = try L.fitted()
        var generator = Xoshiro256StarStar(seed: 33)
        let a = data.gatherRows(Array(0..<30))
        let b = data.gatherRows((0..<30).map { _ in generator.index(below: data.rows) })
        let c = data.gatherRows((0..<30).map { _ in generator.index(below: data.rows) })
        let ab = try model.metric(a, b), bc = try model.metric(b, c), ac = try model.metric(a, c)
        for r in 0..<30 { #expect(ac[r] <= ab[r] + bc[r] + 1e-12) }
    }

    @Test("every ball point is within the radius of its center twin in the metric")
    func metricOfBallPoints() throws {
        let (model, data) = try L.fitted(immutableA: true)
        let subset = data.gatherRows(Array(0..<10))
        let radius = 0.3
        let samples = 20
        let ball = try model.perturbationBall(subset, radius: radius, samples: samples, factualOnly: false, seed: 34)
        let twins = try model.twins(subset)
        let centers = twins.gatherRows((0..<ball.rows).map { $0 / samples })
        let distances = try model.metric(ball, centers)
        #expect(distances.allSatisfy { $0 <= radius * (1 + 1e-9) })
        #expect(distances.contains { $0 > radius / 2 })
    }

    @Test("metric rejects rows or columns that do not match")
    func metricShapes() throws {
        let (model, data) = try L.fitted()
        let a = data.gatherRows([0, 1])
        #expect(thrownError { try model.metric(a, data.gatherRows([0])) }?.kind == .invalidArgument)
        #expect(thrownError { try model.metric(a.gatherColumns([0, 1, 2]), a.gatherColumns([0, 1, 2])) }?.kind
                == .invalidArgument)
    }
}
