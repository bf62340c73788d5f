import Testing
@testable import CausalFairCore

/// The same seed gives bit-identical results; the seed drives the random parts.
@Suite("Audit: determinism")
struct AuditDeterminismTests {
    static func identical(_ a: AuditResult, _ b: AuditResult) -> Bool {
        a.flags == b.flags && a.witnessLevels == b.witnessLevels && bitIdentical(a.witnesses, b.witnesses)
    }

    @Test("same seed: identical flags, levels and bit-identical witnesses, for every method")
    func sameSeed() throws {
        let (_, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 500, seed: 25)
        let logistic = try auditLogistic([0.8, 1, -0.6], 0.2)
        let mlp = try trainingNetwork([3, 8, 1], .tanh, seed: 8)
        let methods: [AuditMethod] = [.sample(samples: 20), .attack(steps: 5, restarts: 3, stepSize: 0), .exact]
        for (name, model) in [("logistic", logistic), ("mlp", mlp)] {
            for method in methods where !(name == "mlp" && method == .exact) {
                for factualOnly in [false, true] {
                    let first = try auditRun(model, space, threshold: 0, x, radius: 0.3, factualOnly: factualOnly,
                                             method: method, seed: 42)
                    let second = try auditRun(model, space, threshold: 0, x, radius: 0.3, factualOnly: factualOnly,
                                              method: method, seed: 42)
                    #expect(Self.identical(first, second), "\(name), \(method), factualOnly \(factualOnly)")
                    #expect(auditCount(first.flags) > 0, "\(name), \(method)")
                }
            }
        }
    }

    @Test("different seeds: sample witnesses differ (the seed is used); exact ignores the seed")
    func differentSeeds() throws {
        let (_, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 500, seed: 26)
        let model = try auditLogistic([0.8, 1, -0.6], 0.2)
        let a = try auditRun(model, space, threshold: 0, x, radius: 0.3, method: .sample(samples: 20), seed: 1)
        let b = try auditRun(model, space, threshold: 0, x, radius: 0.3, method: .sample(samples: 20), seed: 2)
        // Points unfair at Δ = 0 are witnessed by a twin itself, whatever the seed.
        let twinsOnly = try auditRun(model, space, threshold: 0, x, radius: 0, method: .sample(samples: 1), seed: 1)
        let both = a.flags.indices.filter { a.flags[$0] && b.flags[$0] && !twinsOnly.flags[$0] }
        #expect(both.count > 10)
        let differing = both.filter { maxAbsDifference(row(a.witnesses, $0), row(b.witnesses, $0)) > 0 }
        #expect(differing.count > both.count / 2, "\(differing.count) of \(both.count) witnesses differ")
        let attackA = try auditRun(model, space, threshold: 0, x, radius: 0.3,
                                   method: .attack(steps: 5, restarts: 3, stepSize: 0), seed: 1)
        let attackB = try auditRun(model, space, threshold: 0, x, radius: 0.3,
                                   method: .attack(steps: 5, restarts: 3, stepSize: 0), seed: 2)
        // On a linear problem the δ = 0 start finds every unfair point whatever the seed.
        #expect(attackA.flags == attackB.flags)
        let exactA = try auditRun(model, space, threshold: 0, x, radius: 0.3, method: .exact, seed: 1)
        let exactB = try auditRun(model, space, threshold: 0, x, radius: 0.3, method: .exact, seed: 99)
        #expect(Self.identical(exactA, exactB))
    }
}
