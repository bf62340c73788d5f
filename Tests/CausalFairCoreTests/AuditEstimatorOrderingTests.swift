import Testing
@testable import CausalFairCore

/// sample ≤ attack ≤ exact, point by point: each estimator is a lower bound of the next.
@Suite("Audit: sample ≤ attack ≤ exact")
struct AuditEstimatorOrderingTests {
    /// `count` random logistic classifiers (τ inside the logits of `x`) and one close
    /// to a labelling rule of the LIN kind.
    static func classifiers(_ count: Int, x: Matrix) -> [(w: [Double], b: Double, threshold: Double)] {
        var generator = Xoshiro256StarStar(seed: 404)
        return (0..<count).map { _ in auditRandomLogistic(columns: 3, generator: &generator, x: x) }
            + [([0.3, 1.0, 1.0], -0.5, 0)]
    }

    @Test("linear SCM, logistic classifiers, Δ ∈ {0.05, 0.5}: sample ⊆ attack ⊆ exact pointwise",
          arguments: [false, true])
    func nestedOnLinearProblems(factualOnly: Bool) throws {
        let (scm, space) = try AuditLIN.fitted()
        let c = try #require(AuditLIN.fittedX1Effect(scm))
        let x = AuditLIN.sample(rows: 500, seed: 8)
        for (k, (w, b, threshold)) in Self.classifiers(2, x: x).enumerated() {
            let model = try auditLogistic(w, b)
            for radius in [0.05, 0.5] {
                let sampled = try auditRun(model, space, threshold: threshold, x, radius: radius, factualOnly: factualOnly,
                                           method: .sample(samples: 20), seed: 3)
                let attacked = try auditRun(model, space, threshold: threshold, x, radius: radius, factualOnly: factualOnly,
                                            method: .attack(steps: 5, restarts: 2, stepSize: 0), seed: 3)
                let exact = try auditRun(model, space, threshold: threshold, x, radius: radius, factualOnly: factualOnly,
                                         method: .exact)
                // Points within rounding of the boundary may go either way.
                let halfWidth = radius * norm(AuditLIN.projectedWeights(w, x1Effect: c))
                let (_, margins) = try auditExactMargins(scm: scm, w: w, b: b, threshold: threshold, x: x,
                                                         halfWidth: halfWidth, factualOnly: factualOnly)
                let onBoundary = Set(margins.indices.filter { r in margins[r].contains { abs($0) < 1e-9 } })
                let label = "classifier \(k), Δ = \(radius), factualOnly \(factualOnly)"
                let sampleNotAttack = auditNotContained(sampled.flags, in: attacked.flags).filter { !onBoundary.contains($0) }
                let attackNotExact = auditNotContained(attacked.flags, in: exact.flags).filter { !onBoundary.contains($0) }
                let sampleNotExact = auditNotContained(sampled.flags, in: exact.flags).filter { !onBoundary.contains($0) }
                #expect(sampleNotAttack.isEmpty, "\(label): sample flags \(sampleNotAttack.prefix(5)) that attack misses")
                #expect(attackNotExact.isEmpty, "\(label): attack flags \(attackNotExact.prefix(5)) that exact does not")
                #expect(sampleNotExact.isEmpty, "\(label): sample flags \(sampleNotExact.prefix(5)) that exact does not")
                let sampleCount = auditCount(sampled.flags), attackCount = auditCount(attacked.flags)
                let exactCount = auditCount(exact.flags)
                #expect(sampleCount <= attackCount && attackCount <= exactCount, "\(label)")
                // Each setting has unfair points to find, and sampling misses some at Δ = 0.5.
                #expect(exactCount >= 10, "\(label): only \(exactCount) exact flags")
                if radius == 0.5 { #expect(sampleCount < exactCount, "\(label): sampling found every exact flag") }
            }
        }
    }

    @Test("attack finds ≥ 99% of the exact unfair points at Δ = 0.05 (2000 points)", arguments: [false, true])
    func attackRecall(factualOnly: Bool) throws {
        let (_, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 2_000, seed: 10)
        var exactCount = 0, found = 0
        for (w, b, threshold) in Self.classifiers(2, x: x) {
            let model = try auditLogistic(w, b)
            let attacked = try auditRun(model, space, threshold: threshold, x, radius: 0.05, factualOnly: factualOnly,
                                        method: .attack(steps: 5, restarts: 1, stepSize: 0), seed: 5)
            let exact = try auditRun(model, space, threshold: threshold, x, radius: 0.05, factualOnly: factualOnly,
                                     method: .exact)
            exactCount += auditCount(exact.flags)
            found += zip(attacked.flags, exact.flags).filter { $0 && $1 }.count
        }
        #expect(exactCount >= 100)
        #expect(Double(found) >= 0.99 * Double(exactCount), "attack finds \(found) of \(exactCount) exact unfair points")
    }

    @Test("a single attack step from δ = 0 already reaches the ball's extreme on a linear problem when the step is 2Δ")
    func singleLongStepIsExact() throws {
        // One normalised step of length 2Δ followed by the projection lands on the extreme
        // point −sign·Δ Jᵀw/‖Jᵀw‖: attack then equals exact.
        let (_, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 1_000, seed: 12)
        let (w, b, threshold) = Self.classifiers(0, x: x)[0]
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
        let x = AuditLIN.sample(rows: 400, seed: 9)
        let model = try trainingNetwork([3, 16, 1], .tanh, seed: 6)
        let threshold = auditMedianThreshold(model(x).storage)
        for radius in [0.05, 0.5] {
            let sampled = try auditRun(model, space, threshold: threshold, x, radius: radius,
                                       method: .sample(samples: 20), seed: 4)
            let attacked = try auditRun(model, space, threshold: threshold, x, radius: radius,
                                        method: .attack(steps: 10, restarts: 2, stepSize: 0), seed: 4)
            let missed = auditNotContained(sampled.flags, in: attacked.flags)
            #expect(missed.isEmpty, "Δ = \(radius): sample flags \(missed.count) points attack misses: \(missed.prefix(5))")
            #expect(auditCount(sampled.flags) <= auditCount(attacked.flags))
            #expect(auditCount(attacked.flags) >= 10, "Δ = \(radius)")
        }
    }
}
