import Testing
@testable import CausalFairCore

/// Classifiers that cannot be unfair: one blind to S and its descendants, a constant.
@Suite("Audit: blind and constant classifiers")
struct AuditInvarianceTests {
    static let methods: [AuditMethod] = [.sample(samples: 20), .attack(steps: 5, restarts: 2, stepSize: 0), .exact]

    @Test("a classifier using only A (a root not descending from S) has U_CF = 0, and U_Δ = NR_Δ")
    func blindClassifier() throws {
        // LinearReference: S → X1 → X2, A → X2; A is a root independent of S.
        let (scm, data) = try LinearReference.fitted()
        let space = try LatentSpace(scm: scm, columns: 4)
        let x = data.gatherRows(Array(0..<600))
        let model = try auditLogistic([0, 1.3, 0, 0], -1.2)
        let threshold = 0.1
        let own = auditPlainLogits([0, 1.3, 0, 0], -1.2, x).map { $0 > threshold }
        #expect(auditCount(own) > 100 && auditCount(own) < 500)
        for method in Self.methods {
            let cf = try auditRun(model, space, threshold: threshold, x, radius: 0, method: method)
            #expect(!cf.flags.contains(true), "\(method): U_CF = \(auditCount(cf.flags)) / 600")
            #expect(cf.witnessLevels.allSatisfy { $0 == -1 })
        }
        // Every twin has the same logit, so the twin balls all carry the same interval.
        for radius in [0.05, 0.5] {
            let unfair = try auditRun(model, space, threshold: threshold, x, radius: radius, method: .exact)
            let nonRobust = try auditRun(model, space, threshold: threshold, x, radius: radius, factualOnly: true, method: .exact)
            #expect(unfair.flags == nonRobust.flags, "Δ = \(radius)")
            #expect(auditCount(unfair.flags) > 0, "Δ = \(radius): A is perturbable, so some points are non-robust")
        }
    }

    @Test("with A immutable, the blind classifier is also robust: U_Δ = NR_Δ = 0")
    func blindClassifierImmutableRoot() throws {
        let (scm, data) = try LinearReference.fitted(immutableA: true)
        let space = try LatentSpace(scm: scm, columns: 4)
        let x = data.gatherRows(Array(0..<200))
        let model = try auditLogistic([0, 1.3, 0, 0], -1.2)
        for method in Self.methods {
            for radius in [0.0, 0.5, 3.0] {
                for factualOnly in [false, true] {
                    let result = try auditRun(model, space, threshold: 0.1, x, radius: radius, factualOnly: factualOnly,
                                              method: method)
                    #expect(!result.flags.contains(true), "\(method), Δ = \(radius), factualOnly \(factualOnly)")
                }
            }
        }
    }

    @Test("a constant logistic classifier (w = 0, b ≠ τ) has U_Δ = NR_Δ = 0 for every Δ and method",
          arguments: [(0.7, 0.0), (-0.3, 0.0), (0.0, 0.5), (0.0, -0.5)])
    func constantLogistic(bias: Double, threshold: Double) throws {
        let (_, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 150, seed: 16)
        let model = try auditLogistic([0, 0, 0], bias)
        for method in Self.methods {
            for radius in [0.0, 0.05, 10.0] {
                for factualOnly in [false, true] {
                    let result = try auditRun(model, space, threshold: threshold, x, radius: radius,
                                              factualOnly: factualOnly, method: method)
                    #expect(!result.flags.contains(true), "\(method), Δ = \(radius), factualOnly \(factualOnly)")
                    #expect(result.witnesses.storage.allSatisfy { $0.isNaN })
                }
            }
        }
    }

    @Test("a constant MLP (zero output weights) has U_Δ = NR_Δ = 0 for sample and attack")
    func constantMLP() throws {
        let (_, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 150, seed: 17)
        var model = try trainingNetwork([3, 8, 1], .tanh, seed: 2)
        // Output layer: 8 weights then the bias.
        let count = model.parameters.count
        for i in (count - 9)..<(count - 1) { model.parameters[i] = 0 }
        model.parameters[count - 1] = 0.4
        for method in [AuditMethod.sample(samples: 20), .attack(steps: 5, restarts: 2, stepSize: 0)] {
            for radius in [0.0, 0.05, 1.0] {
                for factualOnly in [false, true] {
                    let result = try auditRun(model, space, threshold: 0, x, radius: radius, factualOnly: factualOnly,
                                              method: method)
                    #expect(!result.flags.contains(true), "\(method), Δ = \(radius), factualOnly \(factualOnly)")
                }
            }
        }
    }
}
