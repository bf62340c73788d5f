import Testing
@testable import CausalFairCore

/// A table audited in parts — each part run with `firstRow`, its position in the
/// table — gives the whole table's flags, witness levels and witnesses, bit for bit:
/// every ball draws from the stream of its row in the table, not of its row in the call.
@Suite("Audit: a table audited in parts with their first rows")
struct AuditPartsTests {
    /// An MLP classifier on the LIN SCM with τ at the median logit of `x`.
    static func audit(_ x: Matrix) throws -> UnfairnessAudit {
        let (_, space) = try AuditLIN.fitted()
        var generator = Xoshiro256StarStar(seed: 51)
        let model = MultilayerPerceptron(widths: [AuditLIN.columns, 8, 1], activation: .tanh, generator: &generator)
        return try UnfairnessAudit(model: model, space: space, logitThreshold: auditMedianThreshold(model(x).storage))
    }

    /// The parts of `x` cut at `cuts`, audited one by one (with or without their first
    /// rows), and concatenated.
    static func inParts(_ audit: UnfairnessAudit, _ x: Matrix, cuts: [Int], method: AuditMethod,
                        offsets: Bool) throws -> AuditResult {
        var flags: [Bool] = [], levels: [Int] = [], witnesses: [Double] = []
        let bounds = [0] + cuts + [x.rows]
        for (start, end) in zip(bounds, bounds.dropFirst()) {
            let part = try audit.run(x.gatherRows(Array(start..<end)), radius: 0.3, factualOnly: false, method: method,
                                     seed: 7, firstRow: offsets ? start : 0)
            flags += part.flags
            levels += part.witnessLevels
            witnesses += part.witnesses.storage
        }
        var witnessMatrix = Matrix(rows: x.rows, cols: x.cols)
        witnessMatrix.storage = witnesses
        return AuditResult(flags: flags, witnessLevels: levels, witnesses: witnessMatrix)
    }

    @Test("sample and attack: parts with their first rows equal the whole; without them the draws differ",
          arguments: [AuditMethod.sample(samples: 30), auditAttack])
    func partsEqualWhole(method: AuditMethod) throws {
        let x = AuditLIN.sample(rows: 600, seed: 52)
        let audit = try Self.audit(x)
        let whole = try audit.run(x, radius: 0.3, factualOnly: false, method: method, seed: 7)
        let twinsOnly = try audit.run(x, radius: 0, factualOnly: false, method: method, seed: 7)
        // The balls add flags beyond the twins' own, so the random draws matter.
        #expect(auditCount(whole.flags) > auditCount(twinsOnly.flags) + 10)
        let cuts = [1, 250, 251]
        let parts = try Self.inParts(audit, x, cuts: cuts, method: method, offsets: true)
        #expect(parts.flags == whole.flags)
        #expect(parts.witnessLevels == whole.witnessLevels)
        #expect(bitIdentical(parts.witnesses, whole.witnesses))
        let restarted = try Self.inParts(audit, x, cuts: cuts, method: method, offsets: false)
        #expect(!bitIdentical(restarted.witnesses, whole.witnesses))
    }

    @Test("a negative first row is refused")
    func negativeFirstRow() throws {
        let x = AuditLIN.sample(rows: 5, seed: 53)
        let error = thrownError { try Self.audit(x).run(x, radius: 0.1, factualOnly: false, method: .sample(samples: 2),
                                                        seed: 1, firstRow: -1) }
        #expect(error?.kind == .invalidArgument)
    }
}
