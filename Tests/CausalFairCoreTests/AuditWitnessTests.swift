import Testing
@testable import CausalFairCore

/// Every flagged point comes with a witness: an individual of its ball classified
/// differently; unflagged points have none.
@Suite("Audit: witnesses")
struct AuditWitnessTests {
    /// Checks every row of `result` against the ball it claims: flagged rows have a
    /// valid level, a witness within `radius` of that twin (causal fair metric) whose
    /// prediction differs from the row's; unflagged rows have level −1 and NaN.
    /// `boundarySlack` lets an exact witness sit on the threshold within rounding.
    static func check(_ result: AuditResult, scm: StructuralCausalModel, model: MultilayerPerceptron, threshold: Double,
                      x: Matrix, radius: Double, factualOnly: Bool, boundarySlack: Double, label: String) throws {
        let levels = scm.twinLevelCount
        let twins = try scm.twins(x)
        let factual = try scm.factualLevels(x)
        let own = model(x).storage.map { $0 > threshold }
        #expect(result.flags.count == x.rows && result.witnessLevels.count == x.rows, "\(label)")
        #expect(result.witnesses.rows == x.rows && result.witnesses.cols == x.cols, "\(label)")
        var bad: [String] = []
        for r in 0..<x.rows {
            guard result.flags[r] else {
                if result.witnessLevels[r] != -1 || !row(result.witnesses, r).allSatisfy({ $0.isNaN }) {
                    bad.append("row \(r): unflagged but level \(result.witnessLevels[r]), witness \(row(result.witnesses, r))")
                }
                continue
            }
            let level = result.witnessLevels[r]
            guard level >= 0, level < levels, !factualOnly || level == factual[r] else {
                bad.append("row \(r): level \(level) (factual \(factual[r]))")
                continue
            }
            let witness = result.witnesses.gatherRows([r])
            guard witness.isFinite else {
                bad.append("row \(r): witness not finite")
                continue
            }
            let distance = try scm.metric(witness, twins.gatherRows([r * levels + level]))[0]
            if !(distance <= radius + 1e-9) { bad.append("row \(r): distance \(distance) > Δ = \(radius)") }
            // The witness's sensitive value is the level's.
            if witness[0, 0] != Double(level) && scm.nodes[0].kind == .binary {
                bad.append("row \(r): witness S = \(witness[0, 0]), level \(level)")
            }
            let logit = model(witness)[0, 0]
            if (logit > threshold) == own[r] && abs(logit - threshold) > boundarySlack {
                bad.append("row \(r): witness logit \(logit) on the row's own side of τ = \(threshold)")
            }
        }
        #expect(bad.isEmpty, "\(label): \(bad.count) bad rows: \(bad.prefix(4))")
    }

    @Test("LIN SCM: sample, attack and exact witnesses lie in their ball and flip the prediction",
          arguments: [false, true])
    func linearSCM(factualOnly: Bool) throws {
        let (scm, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 500, seed: 18)
        let model = try auditLogistic([0.8, 1, -0.6], 0.2)
        let mlp = try trainingNetwork([3, 12, 1], .tanh, seed: 5)
        for radius in [0.0, 0.05, 0.5] {
            for method in [AuditMethod.sample(samples: 30), auditAttack, .exact] {
                let result = try auditRun(model, space, threshold: 0, x, radius: radius, factualOnly: factualOnly,
                                          method: method)
                #expect(auditCount(result.flags) >= (factualOnly && radius == 0 ? 0 : 10), "\(method) Δ = \(radius)")
                try Self.check(result, scm: scm, model: model, threshold: 0, x: x, radius: radius, factualOnly: factualOnly,
                               boundarySlack: method == .exact ? 1e-9 : 0, label: "logistic \(method) Δ = \(radius)")
                guard method != .exact else { continue }
                let mlpResult = try auditRun(mlp, space, threshold: 0, x, radius: radius, factualOnly: factualOnly,
                                             method: method)
                try Self.check(mlpResult, scm: scm, model: mlp, threshold: 0, x: x, radius: radius, factualOnly: factualOnly,
                               boundarySlack: 0, label: "mlp \(method) Δ = \(radius)")
            }
        }
    }

    @Test("an immutable root stays put: witnesses have a finite metric (A unchanged) and stay within Δ")
    func immutableRoot() throws {
        let (scm, data) = try LinearReference.fitted(immutableA: true)
        let space = try LatentSpace(scm: scm, columns: 4)
        let x = data.gatherRows(Array(0..<400))
        // Weight on A too: moving A would be the cheapest way to flip.
        let model = try auditLogistic([0.5, 2, 0.7, 0.4], -1)
        for factualOnly in [false, true] {
            for method in [AuditMethod.sample(samples: 30), auditAttack, .exact] {
                let result = try auditRun(model, space, threshold: 0, x, radius: 0.5, factualOnly: factualOnly, method: method)
                #expect(auditCount(result.flags) >= 10, "\(method)")
                try Self.check(result, scm: scm, model: model, threshold: 0, x: x, radius: 0.5, factualOnly: factualOnly,
                               boundarySlack: method == .exact ? 1e-9 : 0, label: "immutable A, \(method)")
                for r in 0..<x.rows where result.flags[r] {
                    #expect(abs(result.witnesses[r, 1] - x[r, 1]) < 1e-12, "\(method), row \(r): A moved")
                }
            }
        }
    }

    @Test("exact witnesses are the ball's extreme point: at distance Δ, logit g(x_s) ∓ Δ‖Jᵀw‖")
    func exactWitnessIsExtreme() throws {
        let (scm, space) = try AuditLIN.fitted()
        let c = try #require(AuditLIN.fittedX1Effect(scm))
        let x = AuditLIN.sample(rows: 500, seed: 19)
        let w = [0.8, 1, -0.6], b = 0.2, radius = 0.4
        let model = try auditLogistic(w, b)
        let result = try auditRun(model, space, threshold: 0, x, radius: radius, method: .exact)
        let twins = try scm.twins(x)
        let twinLogits = auditPlainLogits(w, b, twins)
        let witnessLogits = auditPlainLogits(w, b, result.witnesses)
        let halfWidth = radius * norm(AuditLIN.projectedWeights(w, x1Effect: c))
        let own = auditPlainLogits(w, b, x).map { $0 > 0 }
        #expect(auditCount(result.flags) >= 50)
        for r in 0..<x.rows where result.flags[r] {
            let level = result.witnessLevels[r]
            let expected = twinLogits[2 * r + level] + (own[r] ? -halfWidth : halfWidth)
            #expect(abs(witnessLogits[r] - expected) < 1e-9, "row \(r)")
            let distance = try scm.metric(result.witnesses.gatherRows([r]), twins.gatherRows([2 * r + level]))[0]
            #expect(abs(distance - radius) < 1e-9, "row \(r)")
        }
    }

    @Test("input space (no SCM): witnesses are within Euclidean Δ of the point and flip it")
    func inputSpace() throws {
        let space = try LatentSpace(scm: nil, columns: 3)
        let x = AuditLIN.sample(rows: 400, seed: 20)
        let model = try auditLogistic([0.8, 1, -0.6], 0.2)
        let own = model(x).storage.map { $0 > 0 }
        for method in [AuditMethod.sample(samples: 30), auditAttack, .exact] {
            let result = try auditRun(model, space, threshold: 0, x, radius: 0.3, method: method)
            #expect(auditCount(result.flags) >= 10)
            for r in 0..<x.rows {
                guard result.flags[r] else {
                    #expect(result.witnessLevels[r] == -1 && row(result.witnesses, r).allSatisfy { $0.isNaN })
                    continue
                }
                #expect(result.witnessLevels[r] == 0)
                let distance = norm(zip(row(result.witnesses, r), row(x, r)).map { $0 - $1 })
                #expect(distance <= 0.3 + 1e-9, "\(method), row \(r)")
                let logit = model(result.witnesses.gatherRows([r]))[0, 0]
                #expect((logit > 0) != own[r] || (method == .exact && abs(logit) <= 1e-9), "\(method), row \(r)")
            }
        }
    }
}
