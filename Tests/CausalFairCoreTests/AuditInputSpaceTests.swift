import Testing
@testable import CausalFairCore

/// Without an SCM the ball is the Euclidean input ball: exact flags a point iff the
/// logit interval [g(x) − Δ‖w‖, g(x) + Δ‖w‖] reaches the other side of τ.
@Suite("Audit: input space without an SCM")
struct AuditInputSpaceTests {
    @Test("exact equals the input-ball closed form computed by hand; sample ≤ attack ≤ exact")
    func exactClosedForm() throws {
        let space = try LatentSpace(scm: nil, columns: 4)
        #expect(space.levelCount == 1 && space.perturbable == [true, true, true, true])
        var generator = Xoshiro256StarStar(seed: 27)
        let x = randomMatrix(rows: 400, cols: 4, generator: &generator)
        for k in 0..<3 {
            let (w, b, threshold) = auditRandomLogistic(columns: 4, generator: &generator, x: x)
            let model = try auditLogistic(w, b)
            let logits = auditPlainLogits(w, b, x)
            for radius in [0.0, 0.05, 0.5] {
                let halfWidth = radius * norm(w)
                // Positive rows flip iff g − Δ‖w‖ ≤ τ; negative rows iff g + Δ‖w‖ > τ.
                let expected = logits.map { $0 > threshold ? $0 - halfWidth <= threshold : $0 + halfWidth > threshold }
                let nearBoundary = Set(logits.indices.filter { r in
                    abs(abs(logits[r] - threshold) - halfWidth) < 1e-9
                })
                let exact = try auditRun(model, space, threshold: threshold, x, radius: radius, method: .exact)
                let differing = (0..<x.rows).filter { exact.flags[$0] != expected[$0] && !nearBoundary.contains($0) }
                #expect(differing.isEmpty, "classifier \(k), Δ = \(radius): rows \(differing.prefix(5))")
                if radius > 0 { #expect(auditCount(expected) > 0, "classifier \(k), Δ = \(radius)") }
                else { #expect(auditCount(exact.flags) == 0) }
                // One level: factual-only is the same ball.
                let factual = try auditRun(model, space, threshold: threshold, x, radius: radius, factualOnly: true,
                                           method: .exact)
                #expect(factual.flags == exact.flags && factual.witnessLevels == exact.witnessLevels
                        && bitIdentical(factual.witnesses, exact.witnesses))
                let attacked = try auditRun(model, space, threshold: threshold, x, radius: radius, method: auditAttack)
                let sampled = try auditRun(model, space, threshold: threshold, x, radius: radius,
                                           method: .sample(samples: 20))
                #expect(auditNotContained(sampled.flags, in: attacked.flags).isEmpty, "classifier \(k), Δ = \(radius)")
                #expect(attacked.flags == exact.flags, "classifier \(k), Δ = \(radius)")
            }
        }
    }
}
