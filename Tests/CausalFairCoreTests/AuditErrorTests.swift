import Testing
@testable import CausalFairCore

/// Bad input is rejected with `invalidArgument` (or `computation` for an unfitted SCM)
/// before any work starts.
@Suite("Audit: errors")
struct AuditErrorTests {
    static func audit() throws -> (UnfairnessAudit, Matrix) {
        let (_, space) = try AuditLIN.fitted(rows: 300)
        let audit = try UnfairnessAudit(model: try auditLogistic([1, 1, 1], 0), space: space, logitThreshold: 0)
        return (audit, AuditLIN.sample(rows: 20, seed: 1))
    }

    static func kind(_ body: () throws -> AuditResult) -> ErrorKind? { thrownError(body)?.kind }

    @Test("radius must be finite and ≥ 0")
    func radius() throws {
        let (audit, x) = try Self.audit()
        for radius in [-0.01, -1, Double.infinity, Double.nan] {
            for method in [AuditMethod.sample(samples: 5), auditAttack, .exact] {
                #expect(Self.kind { try audit.run(x, radius: radius, factualOnly: false, method: method, seed: 1) }
                        == .invalidArgument, "radius \(radius), \(method)")
            }
        }
        // Zero is allowed.
        #expect(Self.kind { try audit.run(x, radius: 0, factualOnly: false, method: .exact, seed: 1) } == nil)
    }

    @Test("samples ≤ 0, restarts ≤ 0, steps < 0, negative or non-finite step size")
    func methodParameters() throws {
        let (audit, x) = try Self.audit()
        let bad: [AuditMethod] = [
            .sample(samples: 0), .sample(samples: -3),
            .attack(steps: 5, restarts: 0, stepSize: 0), .attack(steps: 5, restarts: -1, stepSize: 0),
            .attack(steps: -1, restarts: 1, stepSize: 0), .attack(steps: 5, restarts: 1, stepSize: -0.1),
            .attack(steps: 5, restarts: 1, stepSize: .nan), .attack(steps: 5, restarts: 1, stepSize: .infinity),
        ]
        for method in bad {
            #expect(Self.kind { try audit.run(x, radius: 0.1, factualOnly: false, method: method, seed: 1) }
                    == .invalidArgument, "\(method)")
        }
        // The boundary cases that are allowed: one sample, zero steps (the starts only).
        for method in [AuditMethod.sample(samples: 1), .attack(steps: 0, restarts: 1, stepSize: 0)] {
            #expect(Self.kind { try audit.run(x, radius: 0.1, factualOnly: false, method: method, seed: 1) } == nil)
        }
    }

    @Test("exact needs a logistic model and a linear SCM")
    func exactNeedsLinear() throws {
        let (_, space) = try AuditLIN.fitted(rows: 300)
        let x = AuditLIN.sample(rows: 20, seed: 2)
        let mlp = try UnfairnessAudit(model: try trainingNetwork([3, 4, 1], .tanh, seed: 1), space: space, logitThreshold: 0)
        #expect(Self.kind { try mlp.run(x, radius: 0.1, factualOnly: false, method: .exact, seed: 1) } == .invalidArgument)
        // An SCM with MLP mechanisms: no constant Jacobian.
        var nonlinear = try StructuralCausalModel(nodes: AuditLIN.nodes(
            .mlp(hidden: [4], activation: .tanh, epochs: 1, batchSize: 50, learningRate: 0.01)))
        try nonlinear.fit(AuditLIN.sample(rows: 200, seed: 3), seed: 1)
        let nonlinearSpace = try LatentSpace(scm: nonlinear, columns: 3)
        #expect(nonlinearSpace.isLinear == false)
        let logistic = try UnfairnessAudit(model: try auditLogistic([1, 1, 1], 0), space: nonlinearSpace, logitThreshold: 0)
        #expect(Self.kind { try logistic.run(x, radius: 0.1, factualOnly: false, method: .exact, seed: 1) }
                == .invalidArgument)
        // Sample and attack still run there.
        for method in [AuditMethod.sample(samples: 3), auditAttack] {
            #expect(Self.kind { try logistic.run(x, radius: 0.1, factualOnly: false, method: method, seed: 1) } == nil)
        }
    }

    @Test("X with the wrong column count, no rows, NaN or infinity, or a sensitive value that is not a level")
    func badData() throws {
        let (audit, x) = try Self.audit()
        var nan = x
        nan[3, 2] = .nan
        var infinite = x
        infinite[0, 1] = -.infinity
        var badLevel = x
        badLevel[5, 0] = 0.5
        let cases: [(String, Matrix)] = [
            ("2 columns", x.gatherColumns([0, 1])), ("4 columns", Matrix(rows: 20, cols: 4)),
            ("no rows", Matrix(rows: 0, cols: 3)), ("NaN", nan), ("infinity", infinite), ("S = 0.5", badLevel),
        ]
        for (name, data) in cases {
            for method in [AuditMethod.sample(samples: 3), auditAttack, .exact] {
                for factualOnly in [false, true] {
                    #expect(Self.kind { try audit.run(data, radius: 0.1, factualOnly: factualOnly, method: method, seed: 1) }
                            == .invalidArgument, "\(name), \(method), factualOnly \(factualOnly)")
                }
            }
        }
    }

    @Test("the model must take the space's columns and output one logit; τ must be finite")
    func badModel() throws {
        let (_, space) = try AuditLIN.fitted(rows: 300)
        let construct: (MultilayerPerceptron, Double) -> ErrorKind? = { model, threshold in
            thrownError { try UnfairnessAudit(model: model, space: space, logitThreshold: threshold) }?.kind
        }
        #expect(construct(try auditLogistic([1, 1], 0), 0) == .invalidArgument)
        #expect(construct(try auditLogistic([1, 1, 1, 1], 0), 0) == .invalidArgument)
        #expect(construct(try trainingNetwork([3, 4, 2], .tanh, seed: 1), 0) == .invalidArgument)
        #expect(construct(try auditLogistic([1, 1, 1], 0), .nan) == .invalidArgument)
        #expect(construct(try auditLogistic([1, 1, 1], 0), .infinity) == .invalidArgument)
        #expect(construct(try auditLogistic([1, 1, 1], 0), 0) == nil)
        // Input space: the column count is the space's.
        let inputs = try LatentSpace(scm: nil, columns: 5)
        #expect(thrownError { try UnfairnessAudit(model: try auditLogistic([1, 1, 1], 0), space: inputs, logitThreshold: 0) }?
            .kind == .invalidArgument)
    }

    @Test("an unfitted SCM or a space of the wrong width is rejected when building the space")
    func badSpace() throws {
        let unfitted = try StructuralCausalModel(nodes: AuditLIN.nodes())
        #expect(thrownError { try LatentSpace(scm: unfitted, columns: 3) }?.kind == .computation)
        let (scm, _) = try AuditLIN.fitted(rows: 300)
        #expect(thrownError { try LatentSpace(scm: scm, columns: 4) }?.kind == .invalidArgument)
    }

    @Test("a progress callback returning false stops the audit with interrupted")
    func interrupted() throws {
        let (audit, x) = try Self.audit()
        var calls = 0
        let error = thrownError {
            try audit.run(x, radius: 0.1, factualOnly: false, method: .exact, seed: 1) { _, _ in
                calls += 1
                return false
            }
        }
        #expect(error?.kind == .interrupted)
        #expect(calls == 1)
    }
}
