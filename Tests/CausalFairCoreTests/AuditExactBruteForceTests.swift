import Testing
@testable import CausalFairCore

/// The closed form of `exact` against a dense grid over the latent ball.
@Suite("Audit: exact equals brute force")
struct AuditExactBruteForceTests {
    /// Angles on the boundary circle and in each interior ring of the brute-force grid.
    static let boundaryAngles = 1_024
    static let rings = 6
    static let ringAngles = 48

    /// The (δ1, δ2) offsets of the grid over the disk of radius `radius`: the centre,
    /// `rings` interior circles, and a fine boundary circle.
    static func grid(radius: Double) -> [(Double, Double)] {
        var points: [(Double, Double)] = [(0, 0)]
        for k in 1..<rings {
            let r = radius * Double(k) / Double(rings)
            for a in 0..<ringAngles {
                let angle = 2 * Double.pi * (Double(a) + 0.5 * Double(k % 2)) / Double(ringAngles)
                points.append((r * cosine(angle), r * cosine(angle - Double.pi / 2)))
            }
        }
        for a in 0..<boundaryAngles {
            let angle = 2 * Double.pi * Double(a) / Double(boundaryAngles)
            points.append((radius * cosine(angle), radius * cosine(angle - Double.pi / 2)))
        }
        return points
    }

    /// For every row and level: whether the brute-force grid of that twin's ball holds
    /// a point classified differently from the row. The grid points are mapped through
    /// φ⁻¹ with S held at the level's value (S = s for the binary node), level by level.
    static func bruteForce(scm: StructuralCausalModel, w: [Double], b: Double, threshold: Double, x: Matrix,
                           radius: Double) throws -> (own: [Bool], flipsAtLevel: [[Bool]]) {
        let levels = scm.twinLevelCount
        let offsets = grid(radius: radius)
        let latent = try scm.phi(x)
        let own = auditPlainLogits(w, b, x).map { $0 > threshold }
        var flips = [[Bool]](repeating: [Bool](repeating: false, count: levels), count: x.rows)
        for s in 0..<levels {
            var candidates = Matrix(rows: x.rows * offsets.count, cols: x.cols)
            var i = 0
            for r in 0..<x.rows {
                let (z1, z2) = (latent[r, 1], latent[r, 2])
                for (d1, d2) in offsets {
                    candidates.storage[3 * i + 1] = z1 + d1
                    candidates.storage[3 * i + 2] = z2 + d2
                    i += 1
                }
            }
            let decoded = try scm.propagate(candidates, fixed: [0: Matrix(rows: 1, cols: 1, repeating: Double(s))])
            for r in 0..<x.rows {
                for k in (r * offsets.count)..<((r + 1) * offsets.count) {
                    let logit = b + w[0] * decoded.storage[3 * k] + w[1] * decoded.storage[3 * k + 1]
                        + w[2] * decoded.storage[3 * k + 2]
                    if (logit > threshold) != own[r] {
                        flips[r][s] = true
                        break
                    }
                }
            }
        }
        return (own, flips)
    }

    @Test("exact flags equal a dense grid over every twin's latent ball (320 points, 40 classifiers)")
    func exactMatchesGrid() throws {
        let (scm, space) = try AuditLIN.fitted()
        #expect(space.perturbable == [false, true, true])
        let c = try #require(AuditLIN.fittedX1Effect(scm))
        let data = AuditLIN.sample(rows: 320, seed: 77)
        var generator = Xoshiro256StarStar(seed: 2024)
        let radii = [0.0, 0.05, 0.2, 0.5, 1.0]
        var compared = 0, excluded = 0, differing: [String] = []
        var flaggedCounts = (unfair: 0, nonRobust: 0, byOtherTwinOnly: 0, byRadiusOnly: 0)
        for trial in 0..<40 {
            let (w, b, threshold) = auditRandomLogistic(columns: 3, generator: &generator, x: data)
            let radius = radii[trial % radii.count]
            let x = data.gatherRows(Array((trial * 8)..<(trial * 8 + 8)))
            let model = try auditLogistic(w, b)
            let halfWidth = radius * norm(AuditLIN.projectedWeights(w, x1Effect: c))
            // The grid under-approximates the ball's extremes by at most hw (1 − cos(π/K)).
            let tolerance = 1e-6 + 2 * halfWidth * (1 - cosine(Double.pi / Double(Self.boundaryAngles)))
            let brute = try Self.bruteForce(scm: scm, w: w, b: b, threshold: threshold, x: x, radius: radius)
            let factual = try scm.factualLevels(x)
            for factualOnly in [false, true] {
                let engine = try auditRun(model, space, threshold: threshold, x, radius: radius,
                                          factualOnly: factualOnly, method: .exact)
                let (_, margins) = try auditExactMargins(scm: scm, w: w, b: b, threshold: threshold, x: x,
                                                         halfWidth: halfWidth, factualOnly: factualOnly)
                for r in 0..<x.rows {
                    let expected = factualOnly ? brute.flipsAtLevel[r][factual[r]] : brute.flipsAtLevel[r].contains(true)
                    if margins[r].contains(where: { abs($0) < tolerance }) {
                        excluded += 1
                        continue
                    }
                    compared += 1
                    if engine.flags[r] != expected {
                        differing.append("trial \(trial) row \(r) factualOnly \(factualOnly): engine \(engine.flags[r]), grid \(expected), margins \(margins[r])")
                    }
                    guard expected else { continue }
                    if factualOnly { flaggedCounts.nonRobust += 1 } else {
                        flaggedCounts.unfair += 1
                        if !brute.flipsAtLevel[r][factual[r]] { flaggedCounts.byOtherTwinOnly += 1 }
                        if radius > 0, let zero = try? auditExactMargins(
                            scm: scm, w: w, b: b, threshold: threshold, x: x.gatherRows([r]), halfWidth: 0,
                            factualOnly: false), !auditFlags(own: zero.own, margins: zero.margins)[0] {
                            flaggedCounts.byRadiusOnly += 1
                        }
                    }
                }
            }
        }
        #expect(differing.isEmpty, "\(differing.count) of \(compared) differ: \(differing.prefix(5))")
        #expect(excluded <= 6, "\(excluded) point-balls excluded as within the tolerance of the boundary")
        #expect(compared >= 634)
        // The comparison exercises both classes, twin switching and the radius.
        #expect(flaggedCounts.unfair >= 40 && flaggedCounts.unfair <= 280, "\(flaggedCounts)")
        #expect(flaggedCounts.nonRobust >= 20, "\(flaggedCounts)")
        #expect(flaggedCounts.byOtherTwinOnly >= 10, "\(flaggedCounts)")
        #expect(flaggedCounts.byRadiusOnly >= 10, "\(flaggedCounts)")
    }

    @Test("the closed-form half width uses ‖Jᵀw‖ on the perturbable latents, not ‖w‖")
    func halfWidthIsProjectedNorm() throws {
        // w = (0, 0.8, −1) with c ≈ 0.8: Jᵀw ≈ (0, −1), so ‖Jᵀw‖ ≈ 1 while ‖w‖ ≈ 1.28. A point
        // whose factual logit sits at distance 1.1·Δ from τ is unfair under ‖w‖ but not ‖Jᵀw‖
        // (and its other twin is on the same side).
        let (scm, space) = try AuditLIN.fitted()
        let c = try #require(AuditLIN.fittedX1Effect(scm))
        let w = [0.0, c, -1.0]
        let projected = norm(AuditLIN.projectedWeights(w, x1Effect: c))
        #expect(abs(projected - 1) < 1e-12)
        let radius = 0.5
        let x = AuditLIN.sample(rows: 200, seed: 5)
        let logits = auditPlainLogits(w, 0, x)
        let model = try auditLogistic(w, 0)
        // Pick τ per point so that the point sits 1.1Δ above it.
        var checked = 0
        for r in 0..<20 {
            let threshold = logits[r] - 1.1 * radius
            let row = x.gatherRows([r])
            let result = try auditRun(model, space, threshold: threshold, row, radius: radius, factualOnly: true, method: .exact)
            #expect(result.flags == [false], "row \(r)")
            let wider = try auditRun(model, space, threshold: logits[r] - 0.9 * radius, row, radius: radius,
                                     factualOnly: true, method: .exact)
            #expect(wider.flags == [true], "row \(r)")
            checked += 1
        }
        #expect(checked == 20)
    }
}
