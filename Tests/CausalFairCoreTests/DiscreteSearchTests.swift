import Testing
@testable import CausalFairCore

/// Searches through a Gumbel-max node (DESIGN §4, "Discrete nodes"): the attack audit
/// follows the straight-through surrogate, so it finds the flips that need a discrete
/// descendant to switch, and every witness is a hard point that reproduces.
@Suite("Discrete nodes: searches through the straight-through surrogate")
struct DiscreteSearchTests {
    /// S (sensitive, binary root), X (continuous root, perturbable) and B (binary,
    /// Gumbel-max on linear logits −0.5 + S + 2X); columns [S, X, B].
    static func model(rows: Int, seed: UInt64) throws -> (model: StructuralCausalModel, data: Matrix) {
        let nodes = [
            NodeSpecification(kind: .binary, isSensitive: true),
            NodeSpecification(kind: .continuous),
            NodeSpecification(kind: .binary, parents: [0, 1], mechanism: .linear(ridge: 0), discrete: .gumbelMax),
        ]
        var generator = Xoshiro256StarStar(seed: seed)
        var data = Matrix(rows: rows, cols: 3)
        for r in 0..<rows {
            data[r, 0] = generator.bernoulli(0.5)
            data[r, 1] = generator.normal()
            data[r, 2] = generator.bernoulli(sigmoid(-0.5 + data[r, 0] + 2 * data[r, 1]))
        }
        return try fittedSCM(nodes, on: data, fitSeed: 1)
    }

    @Test("attack through a Gumbel-max node: exactly the rows whose ball switches B, witnesses hard and reproducing")
    func attackSwitchesDiscreteDescendant() throws {
        let (scm, data) = try Self.model(rows: 2_000, seed: 21)
        let space = try LatentSpace(scm: scm, columns: 3)
        let x = data.gatherRows(Array(0..<400))
        // The classifier reads B only: every flip needs B to switch.
        let model = try auditLogistic([0, 0, 8], -4)
        let radius = 0.5
        let attack = try auditRun(model, space, threshold: 0, x, radius: radius,
                                  method: .attack(steps: 10, restarts: 1, stepSize: 0))
        let twinsOnly = try auditRun(model, space, threshold: 0, x, radius: 0,
                                     method: .attack(steps: 10, restarts: 1, stepSize: 0))

        // The truth, from the abducted noise (the audit's, seed 0): B's logit is
        // monotone in X, so row r's ball switches B iff at some twin level s the logit
        // at X ∓ Δ (toward the other side) plus the noise crosses 0.
        guard case .linear(let map) = (scm.mechanisms[2] as? DiscreteMechanism)?.logitModel else {
            Issue.record("B is not a linear Gumbel-max mechanism")
            return
        }
        let (wS, wX, bias) = (map.weights[0, 0], map.weights[1, 0], map.bias[0])
        #expect(wX > 1)
        let noise = try scm.phi(x)
        var truth = [Bool](repeating: false, count: x.rows)
        for r in 0..<x.rows {
            let own = x[r, 2] == 1
            for s in [0.0, 1.0] {
                let toward = own ? -radius : radius
                let logit = bias + wS * s + wX * (x[r, 1] + toward) + noise[r, 2]
                if (logit > 0) != own { truth[r] = true }
            }
        }
        let missed = auditNotContained(truth, in: attack.flags)
        let extra = auditNotContained(attack.flags, in: truth)
        #expect(extra.isEmpty, "flagged rows the ball cannot flip: \(extra.prefix(5))")
        #expect(missed.count <= truth.count / 100, "missed \(missed.count) of \(auditCount(truth))")
        // Far more than the twins alone: the surrogate moved B through X.
        #expect(auditCount(attack.flags) >= auditCount(twinsOnly.flags) + 40,
                "attack \(auditCount(attack.flags)), twins \(auditCount(twinsOnly.flags))")

        // Every witness: hard codes, B switched, classified differently, within Δ of its twin.
        for r in 0..<x.rows where attack.flags[r] {
            #expect(attack.witnesses[r, 0] == 0 || attack.witnesses[r, 0] == 1)
            #expect(attack.witnesses[r, 2] == 1 - x[r, 2], "row \(r): B did not switch")
        }
        try AuditWitnessTests.check(attack, scm: scm, model: model, threshold: 0, x: x, radius: radius,
                                    factualOnly: false, boundarySlack: 0, label: "gumbel attack")
    }
}
