import Testing
@testable import CausalFairCore

/// Bound propagation (`AffineBounds`): every point of a ball maps inside the bounds
/// (soundness, checked by dense sampling), the bounds are exact on affine maps and
/// tight to first order on networks, and balls the audit skips hold no flip.
@Suite("Audit: bound propagation")
struct AuditBoundsTests {
    /// Intervals of every kind: positive, negative, straddling 0, tiny, wide, saturated.
    static let intervals: [(Double, Double)] = [
        (0.2, 0.9), (-1.3, -0.1), (-0.4, 0.7), (-2.5, 0.1), (1e-9, 2e-9), (-5, 5), (-30, -18), (17, 40),
        (0.5, 0.5), (-0.3, 0.3), (0, 1.5), (-1.5, 0), (3.0, 3.0001),
    ]

    @Test("tanh and ReLU relaxations: |σ(x) − λx − μ| ≤ β on a dense grid of every interval", arguments: [Activation.tanh, .relu])
    func relaxationsAreSound(activation: Activation) {
        let (slope, offset, error) = activation.linearRelaxation(lower: Self.intervals.map(\.0), upper: Self.intervals.map(\.1))
        for (i, (l, u)) in Self.intervals.enumerated() {
            #expect(slope[i] >= 0 && error[i] >= 0)
            var grid = (0...2_000).map { l + (u - l) * Double($0) / 2_000 }
            let points = grid
            activation.apply(&grid)
            for (x, y) in zip(points, grid) {
                #expect(abs(y - slope[i] * x - offset[i]) <= error[i], "\(activation) on [\(l), \(u)] at \(x)")
            }
        }
    }

    @Test("the tanh relaxation is second order: β ≤ w² on intervals of width w ≤ 0.1")
    func tanhRelaxationIsTight() {
        let centres = [-2.0, -0.6, 0, 0.05, 0.8, 1.7]
        for width in [1e-1, 1e-2, 1e-3] {
            let (_, _, error) = Activation.tanh.linearRelaxation(lower: centres.map { $0 - width / 2 },
                                                                 upper: centres.map { $0 + width / 2 })
            for (c, e) in zip(centres, error) { #expect(e <= width * width, "centre \(c), width \(width): β = \(e)") }
        }
    }

    /// `count` points of the unit ball in `dimension` dimensions (its surface included).
    static func ballPoints(_ count: Int, dimension: Int, seed: UInt64) -> [[Double]] {
        var generator = Xoshiro256StarStar(seed: seed)
        return (0..<count).map { i in
            let point = generator.uniformInBall(dimension: dimension, radius: 1)
            guard i % 4 == 0 else { return point }   // a quarter on the sphere, where the extremes are
            let norm = norm(point)
            return point.map { $0 / norm }
        }
    }

    /// The points of set `r` of `bounds` for the ball points `epsilons`.
    static func members(_ bounds: AffineBounds, row r: Int, _ epsilons: [[Double]]) -> Matrix {
        var points = Matrix(rows: epsilons.count, cols: bounds.centre.cols)
        for (p, epsilon) in epsilons.enumerated() {
            for i in 0..<points.cols {
                points[p, i] = bounds.centre[r, i]
                for (j, e) in epsilon.enumerated() { points[p, i] += e * bounds.generators[r * bounds.generatorCount + j, i] }
            }
        }
        return points
    }

    @Test("an MLP's output bounds contain the image of every sampled input (tanh and ReLU)", arguments: [Activation.tanh, .relu])
    func networkBoundsAreSound(activation: Activation) throws {
        let network = try trainingNetwork([4, 16, 16, 2], activation, seed: 5)
        var generator = Xoshiro256StarStar(seed: 8)
        var input = AffineBounds(points: randomMatrix(rows: 6, cols: 4, generator: &generator), generatorCount: 3)
        for i in input.generators.storage.indices { input.generators.storage[i] = 0.3 * generator.normal() }
        let output = network.bounds(input)
        let half = output.halfWidths()
        let epsilons = Self.ballPoints(3_000, dimension: 3, seed: 9)
        for r in 0..<input.rows {
            let images = network(Self.members(input, row: r, epsilons))
            for p in 0..<images.rows {
                for i in 0..<2 {
                    #expect(abs(images[p, i] - output.centre[r, i]) <= half[r, i], "set \(r), output \(i)")
                }
            }
        }
    }

    @Test("on a tiny ball the tanh network's bound is Δ‖∇g‖ to first order (within 1%)")
    func networkBoundsAreTightOnSmallBalls() throws {
        let network = try trainingNetwork([3, 20, 20, 1], .tanh, seed: 12, scale: 0.4)
        var generator = Xoshiro256StarStar(seed: 13)
        let centres = randomMatrix(rows: 5, cols: 3, generator: &generator)
        let radius = 1e-5
        var input = AffineBounds(points: centres, generatorCount: 3)
        for r in 0..<5 { for j in 0..<3 { input.generators[r * 3 + j, j] = radius } }
        let half = network.bounds(input).halfWidths()
        let gradient = network.inputGradientPass(network.forwardPass(centres)).gradient
        for r in 0..<5 {
            let expected = radius * norm(row(gradient, r))
            #expect(half[r, 0] >= expected * (1 - 1e-6) && half[r, 0] <= expected * 1.01, "row \(r): \(half[r, 0]) vs \(expected)")
        }
    }

    @Test("linear SCM and logistic model: the logit bound is exactly the closed form Δ‖Jᵀw‖")
    func linearBoundsAreExact() throws {
        let (scm, space) = try AuditLIN.fitted()
        let w = [0.4, -1.1, 0.7], b = 0.2
        let x = AuditLIN.sample(rows: 8, seed: 3)
        let latent = try space.phi(x)
        let levels = (0..<8).map { $0 % 2 }
        let bounds = try #require(space.decodeBounds(space.settingLevels(latent, levels: levels), levels: levels, radius: 0.3))
        let half = try auditLogistic(w, b).bounds(bounds).halfWidths()
        let closed = 0.3 * norm(AuditLIN.projectedWeights(w, x1Effect: try #require(AuditLIN.fittedX1Effect(scm))))
        for r in 0..<8 { #expect(abs(half[r, 0] - closed) <= 1e-12 * (1 + closed)) }
    }

    /// The LIN graph with one-hidden-layer tanh MLP mechanisms fitted on 600 rows, and its space.
    static func mlpSpace(hidden: Int, epochs: Int, seed: UInt64) throws -> LatentSpace {
        var scm = try StructuralCausalModel(nodes: AuditLIN.nodes(
            .mlp(hidden: [hidden], activation: .tanh, epochs: epochs, batchSize: 50, learningRate: 0.02)))
        try scm.fit(AuditLIN.sample(rows: 600, seed: seed), seed: seed + 1)
        return try LatentSpace(scm: scm, columns: AuditLIN.columns)
    }

    @Test("MLP mechanisms: every decoded point of a latent ball lies within its column bounds")
    func decodeBoundsAreSound() throws {
        let space = try Self.mlpSpace(hidden: 12, epochs: 15, seed: 4)
        let x = AuditLIN.sample(rows: 5, seed: 6)
        let levels = [0, 1, 1, 0, 1]
        let latent = space.settingLevels(try space.phi(x), levels: levels)
        let radius = 0.4
        let bounds = try #require(space.decodeBounds(latent, levels: levels, radius: radius))
        let half = bounds.halfWidths()
        let epsilons = Self.ballPoints(2_000, dimension: 2, seed: 7)
        for r in 0..<5 {
            var ball = latent.gatherRows([Int](repeating: r, count: epsilons.count))
            for (p, e) in epsilons.enumerated() { ball[p, 1] += radius * e[0]; ball[p, 2] += radius * e[1] }
            let decoded = try space.decode(ball, levels: [Int](repeating: levels[r], count: epsilons.count))
            for p in 0..<decoded.rows {
                for c in 0..<3 { #expect(abs(decoded[p, c] - bounds.centre[r, c]) <= half[r, c], "ball \(r), column \(c)") }
            }
        }
    }

    @Test("an exact expression mechanism admits no bounds: nothing is skipped")
    func expressionsHaveNoBounds() throws {
        let expression = try Expression(program: [.input(0), .tanh], inputCount: 1)
        let nodes = [
            NodeSpecification(kind: .binary, isSensitive: true),
            NodeSpecification(kind: .continuous, parents: [0],
                              mechanism: .expression(expression, outer: try OuterFunction(kind: .identity, offset: 0, scale: 1))),
        ]
        var scm = try StructuralCausalModel(nodes: nodes)
        try scm.fit(Matrix(rows: 2, cols: 2, storage: [0, 0.1, 1, 0.9]), seed: 1)
        let space = try LatentSpace(scm: scm, columns: 2)
        #expect(space.decodeBounds(Matrix(rows: 1, cols: 2), levels: [0], radius: 0.1) == nil)
    }

    @Test("MLP classifier on MLP mechanisms: balls proven constant hold no flip among 2,000 draws, and most are proven")
    func skippedBallsHoldNoFlip() throws {
        let space = try Self.mlpSpace(hidden: 10, epochs: 10, seed: 14)
        let model = try trainingNetwork([3, 16, 16, 1], .tanh, seed: 16, scale: 0.5)
        let x = AuditLIN.sample(rows: 200, seed: 17)
        let threshold = auditMedianThreshold(model(x).storage)
        let audit = try UnfairnessAudit(model: model, space: space, logitThreshold: threshold)
        let radius = 0.05
        let (latent, levels, _) = try space.balls(try space.phi(x), factual: try space.factualLevels(x), factualOnly: false)
        let positive = audit.predictions(try space.decode(latent, levels: levels))
        let proven = audit.provablyConstant(latent, levels: levels, radius: radius, positive: positive)
        #expect(auditCount(proven) >= latent.rows / 2, "only \(auditCount(proven)) of \(latent.rows) balls proven")
        var generator = Xoshiro256StarStar(seed: 18)
        for i in 0..<latent.rows where proven[i] {
            var ball = latent.gatherRows([Int](repeating: i, count: 2_000))
            generator.perturbRows(of: &ball, columns: [1, 2], radius: radius)
            let predicted = audit.predictions(try space.decode(ball, levels: [Int](repeating: levels[i], count: 2_000)))
            #expect(predicted.allSatisfy { $0 == positive[i] }, "ball \(i) was proven constant but flips")
        }
    }
}
