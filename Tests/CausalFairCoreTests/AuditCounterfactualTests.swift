import Testing
@testable import CausalFairCore

/// U_0 (radius 0) is counterfactual unfairness: some twin is classified differently.
@Suite("Audit: U_0 is counterfactual unfairness")
struct AuditCounterfactualTests {
    /// Per point: whether some twin's prediction differs from the point's own, from
    /// `scm.twins` and the model's logits.
    static func twinsDisagree(scm: StructuralCausalModel, model: MultilayerPerceptron, threshold: Double,
                              x: Matrix) throws -> [Bool] {
        let levels = scm.twinLevelCount
        let twinPredictions = model(try scm.twins(x)).storage.map { $0 > threshold }
        let own = model(x).storage.map { $0 > threshold }
        return (0..<x.rows).map { r in (0..<levels).contains { twinPredictions[r * levels + $0] != own[r] } }
    }

    static let methods: [AuditMethod] = [.sample(samples: 5), .attack(steps: 3, restarts: 2, stepSize: 0), .exact]

    @Test("binary sensitive node, logistic classifiers: every method's U_0 flags the points whose twins disagree")
    func binarySensitive() throws {
        let (scm, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 1_000, seed: 13)
        var generator = Xoshiro256StarStar(seed: 99)
        for k in 0..<3 {
            let (w, b, threshold) = auditRandomLogistic(columns: 3, generator: &generator, x: x)
            let model = try auditLogistic(w, b)
            let expected = try Self.twinsDisagree(scm: scm, model: model, threshold: threshold, x: x)
            #expect(auditCount(expected) >= 50, "classifier \(k): only \(auditCount(expected)) disagreeing points")
            for method in Self.methods {
                let result = try auditRun(model, space, threshold: threshold, x, radius: 0, method: method)
                #expect(result.flags == expected, "classifier \(k), \(method)")
                // U_0 = fraction of points whose twins disagree.
                #expect(auditCount(result.flags) == auditCount(expected))
                // Factual-only at radius 0 is the point itself: never flagged.
                let own = try auditRun(model, space, threshold: threshold, x, radius: 0, factualOnly: true, method: method)
                #expect(!own.flags.contains(true), "classifier \(k), \(method), factual only")
            }
        }
    }

    @Test("ten-level categorical sensitive node: U_0 matches the twins for logistic and MLP classifiers")
    func categoricalSensitive() throws {
        let (scm, space) = try AuditTenLevels.fitted()
        let x = AuditTenLevels.sample(rows: 300, seed: 14)
        var generator = Xoshiro256StarStar(seed: 7)
        let (w, b, _) = auditRandomLogistic(columns: AuditTenLevels.columns, generator: &generator)
        let logistic = try auditLogistic(w, b)
        let mlp = try trainingNetwork([AuditTenLevels.columns, 8, 1], .tanh, seed: 3)
        for (name, model) in [("logistic", logistic), ("mlp", mlp)] {
            let threshold = auditMedianThreshold(model(x).storage)
            let expected = try Self.twinsDisagree(scm: scm, model: model, threshold: threshold, x: x)
            #expect(auditCount(expected) >= 30 && auditCount(expected) < x.rows, "\(name): \(auditCount(expected))")
            for method in Self.methods where !(name == "mlp" && method == .exact) {
                let result = try auditRun(model, space, threshold: threshold, x, radius: 0, method: method)
                #expect(result.flags == expected, "\(name), \(method)")
            }
        }
    }

    @Test("U_0 with the witness: the flagged point's witness is exactly its disagreeing twin")
    func witnessIsTwin() throws {
        let (scm, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 400, seed: 15)
        let model = try auditLogistic([2, 0.5, -0.3], -0.4)
        let twins = try scm.twins(x)
        for method in Self.methods {
            let result = try auditRun(model, space, threshold: 0, x, radius: 0, method: method)
            #expect(auditCount(result.flags) >= 30)
            for r in 0..<x.rows where result.flags[r] {
                let level = result.witnessLevels[r]
                #expect(level >= 0 && level < 2)
                #expect(maxAbsDifference(row(result.witnesses, r), row(twins, 2 * r + level)) < 1e-9,
                        "\(method), row \(r)")
            }
        }
    }
}
