import Testing
@testable import CausalFairCore

/// Each indicator is computed on its own (never nested by the engine), yet for `exact`
/// on linear problems the balls nest: NR_Δ ⊆ U_Δ and U_Δ ⊆ U_Δ′ for Δ ≤ Δ′.
@Suite("Audit: nesting of the exact indicators")
struct AuditMonotonicityTests {
    static let radii = [0.0, 0.01, 0.05, 0.2, 0.5]

    @Test("exact: NR_Δ ⊆ U_Δ pointwise, and both grow with Δ")
    func exactNests() throws {
        let (_, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 1_500, seed: 22)
        var generator = Xoshiro256StarStar(seed: 23)
        for k in 0..<4 {
            let (w, b, threshold) = auditRandomLogistic(columns: 3, generator: &generator, x: x)
            let model = try auditLogistic(w, b)
            var previous: (unfair: [Bool], nonRobust: [Bool])?
            var counts: [(Int, Int)] = []
            for radius in Self.radii {
                let unfair = try auditRun(model, space, threshold: threshold, x, radius: radius, method: .exact).flags
                let nonRobust = try auditRun(model, space, threshold: threshold, x, radius: radius, factualOnly: true,
                                             method: .exact).flags
                #expect(auditNotContained(nonRobust, in: unfair).isEmpty, "classifier \(k), Δ = \(radius): NR ⊄ U")
                if let previous {
                    #expect(auditNotContained(previous.unfair, in: unfair).isEmpty, "classifier \(k), Δ = \(radius): U shrank")
                    #expect(auditNotContained(previous.nonRobust, in: nonRobust).isEmpty,
                            "classifier \(k), Δ = \(radius): NR shrank")
                }
                previous = (unfair, nonRobust)
                counts.append((auditCount(unfair), auditCount(nonRobust)))
            }
            // The nesting is strict somewhere: the radii matter.
            #expect(counts.first.map { $0.0 } ?? 0 < counts.last.map { $0.0 } ?? 0, "classifier \(k): \(counts)")
            #expect(counts.last.map { $0.1 } ?? 0 > 0, "classifier \(k): \(counts)")
        }
    }

    @Test("the engine does not nest: U at a large radius is not forced onto a smaller one")
    func computedIndependently() throws {
        // NR_0 is empty while NR_Δ is not, and U_0 differs from U_Δ: each radius is its own run.
        let (_, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 500, seed: 24)
        let model = try auditLogistic([1, 1, 0.5], -0.8)
        let nr0 = try auditRun(model, space, threshold: 0, x, radius: 0, factualOnly: true, method: .exact).flags
        let nr = try auditRun(model, space, threshold: 0, x, radius: 0.5, factualOnly: true, method: .exact).flags
        let u0 = try auditRun(model, space, threshold: 0, x, radius: 0, method: .exact).flags
        let u = try auditRun(model, space, threshold: 0, x, radius: 0.5, method: .exact).flags
        #expect(auditCount(nr0) == 0)
        #expect(auditCount(nr) > 0)
        #expect(auditCount(u0) < auditCount(u))
        // Points non-robust but counterfactually fair exist, and vice versa.
        #expect(nr.indices.contains { nr[$0] && !u0[$0] })
        #expect(u0.indices.contains { u0[$0] && !nr[$0] })
    }
}
