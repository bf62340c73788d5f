import Testing
@testable import CausalFairCore

/// sample ≤ attack ≤ exact, point by point: each estimator is a lower bound of the next.
@Suite("Audit: sample ≤ attack ≤ exact")
struct AuditEstimatorOrderingTests {
    /// Three random logistic classifiers and one close to the LIN labelling rule.
    static func classifiers() -> [(w: [Double], b: Double, threshold: Double)] {
        var generator = Xoshiro256StarStar(seed: 404)
        return (0..<3).map { _ in auditRandomLogistic(columns: 3, generator: &generator) } + [([0.3, 1.0, 1.0], -0.5, 0)]
    }

    @Test("linear SCM, logistic classifiers, Δ ∈ {0.05, 0.5}: flags nest pointwise and attack finds ≥ 99% at Δ = 0.05",
          arguments: [false, true])
    func nestedOnLinearProblems(factualOnly: Bool) throws {
        let (scm, space) = try AuditLIN.fitted()
        let c = try #require(AuditLIN.fittedX1Effect(scm))
        let x = AuditLIN.sample(rows: 2_000, seed: 8)
        var exactAtSmallRadius = 0, attackAtSmallRadius = 0
        for (k, (w, b, threshold)) in Self.classifiers().enumerated() {
            let model = try auditLogistic(w, b)
            for radius in [0.05, 0.5] {
                let sampled = try auditRun(model, space, threshold: threshold, x, radius: radius, factualOnly: factualOnly,
                                           method: .sample(samples: 50), seed: 3)
                let attacked = try auditRun(model, space, threshold: threshold, x, radius: radius, factualOnly: factualOnly,
                                            method: auditAttack, seed: 3)
                let exact = try auditRun(model, space, threshold: threshold, x, radius: radius, factualOnly: factualOnly,
                                         method: .exact)
                // Points within rounding of the boundary may go either way.
                let halfWidth = radius * auditNorm(AuditLIN.projectedWeights(w, x1Effect: c))
                let (_, margins) = try auditExactMargins(scm: scm, w: w, b: b, threshold: threshold, x: x,
                                                         halfWidth: halfWidth, factualOnly: factualOnly)
                let onBoundary = Set(margins.indices.filter { r in margins[r].contains { abs($0) < 1e-9 } })
                let label = "classifier \(k), Δ = \(radius), factualOnly \(factualOnly)"
                let sampleNotAttack = auditNotContained(sampled.flags, in: attacked.flags).filter { !onBoundary.contains($0) }
                let attackNotExact = auditNotContained(attacked.flags, in: exact.flags).filter { !onBoundary.contains($0) }
                #expect(sampleNotAttack.isEmpty, "\(label): sample flags \(sampleNotAttack.prefix(5)) that attack misses")
                #expect(attackNotExact.isEmpty, "\(label): attack flags \(attackNotExact.prefix(5)) that exact does not")
                let sampleCount = auditCount(sampled.flags), attackCount = auditCount(attacked.flags)
                let exactCount = auditCount(exact.flags)
                #expect(sampleCount <= attackCount && attackCount <= exactCount, "\(label)")
                // Each setting has unfair points to find.
                #expect(exactCount >= 20, "\(label): only \(exactCount) exact flags")
                print("AUDITNUM ordering \(label): sample \(sampleCount) attack \(attackCount) exact \(exactCount)")
                if radius == 0.05 {
                    exactAtSmallRadius += exactCount
                    attackAtSmallRadius += zip(attacked.flags, exact.flags).filter { $0 && $1 }.count
                }
            }
        }
        let recall = Double(attackAtSmallRadius) / Double(max(exactAtSmallRadius, 1))
        print("AUDITNUM recall factualOnly \(factualOnly): \(attackAtSmallRadius)/\(exactAtSmallRadius)")
        #expect(recall >= 0.99, "attack finds \(attackAtSmallRadius) of \(exactAtSmallRadius) exact unfair points at Δ = 0.05")
    }

    @Test("a single attack step from δ = 0 already reaches the ball's extreme on a linear problem when the step is 2Δ")
    func singleLongStepIsExact() throws {
        // One normalised step of length 2Δ followed by the projection lands on the extreme
        // point −sign·Δ Jᵀw/‖Jᵀw‖: attack then equals exact.
        let (_, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 1_000, seed: 12)
        let (w, b, threshold) = Self.classifiers()[3]
        let model = try auditLogistic(w, b)
        for radius in [0.05, 0.5] {
            let attacked = try auditRun(model, space, threshold: threshold, x, radius: radius,
                                        method: .attack(steps: 1, restarts: 1, stepSize: 2 * radius))
            let exact = try auditRun(model, space, threshold: threshold, x, radius: radius, method: .exact)
            #expect(attacked.flags == exact.flags, "Δ = \(radius)")
        }
    }

    @Test("MLP classifier on the linear SCM: sample ≤ attack pointwise")
    func mlpSampleBelowAttack() throws {
        let (_, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 1_000, seed: 9)
        let model = try trainingNetwork([3, 16, 1], .tanh, seed: 6)
        let logits = model(x).storage.sorted()
        let threshold = logits[logits.count / 2]
        for radius in [0.05, 0.5] {
            let sampled = try auditRun(model, space, threshold: threshold, x, radius: radius,
                                       method: .sample(samples: 50), seed: 4)
            let attacked = try auditRun(model, space, threshold: threshold, x, radius: radius,
                                        method: .attack(steps: 20, restarts: 3, stepSize: 0), seed: 4)
            let missed = auditNotContained(sampled.flags, in: attacked.flags)
            print("AUDITNUM mlp Δ = \(radius): sample \(auditCount(sampled.flags)) attack \(auditCount(attacked.flags)) sample-not-attack \(missed.count)")
            #expect(missed.isEmpty, "Δ = \(radius): sample flags \(missed.count) points attack misses: \(missed.prefix(5))")
            #expect(auditCount(sampled.flags) <= auditCount(attacked.flags))
            #expect(auditCount(attacked.flags) >= 20, "Δ = \(radius)")
        }
    }
}
