import Testing
@testable import CausalFairCore

/// Large inputs are processed in chunks; chunking must not change what is found.
@Suite("Audit: chunked processing of large inputs")
struct AuditChunkingTests {
    /// The result of `run` with the number of progress calls (chunks) it made.
    static func runCounting(_ audit: UnfairnessAudit, _ x: Matrix, radius: Double, factualOnly: Bool = false,
                            method: AuditMethod, seed: UInt64 = 1) throws -> (AuditResult, chunks: Int, last: (Int, Int)) {
        var chunks = 0
        var last = (0, 0)
        let result = try audit.run(x, radius: radius, factualOnly: factualOnly, method: method, seed: seed) { done, total in
            chunks += 1
            last = (done, total)
            return true
        }
        return (result, chunks, last)
    }

    @Test("exact on 50,000 rows × 10 twin levels (several chunks) equals exact run slice by slice")
    func exactChunkingInvariant() throws {
        let (scm, space) = try AuditTenLevels.fitted()
        let x = AuditTenLevels.sample(rows: 50_000, seed: 32)
        var generator = Xoshiro256StarStar(seed: 33)
        let (w, b, threshold) = auditRandomLogistic(columns: AuditTenLevels.columns, generator: &generator, x: x)
        let audit = try UnfairnessAudit(model: try auditLogistic(w, b), space: space, logitThreshold: threshold)
        let (whole, chunks, last) = try Self.runCounting(audit, x, radius: 0.05, method: .exact)
        #expect(chunks >= 2, "the input should span several chunks, got \(chunks)")
        #expect(last == (50_000, 50_000))
        #expect(whole.flags.count == 50_000 && whole.witnesses.rows == 50_000)
        // Slices of uneven sizes, each run alone, concatenated.
        var flags: [Bool] = [], levels: [Int] = []
        var witnesses: [Double] = []
        var start = 0
        for size in [1, 7_000, 13_333, 29_666] {
            let slice = try audit.run(x.gatherRows(Array(start..<(start + size))), radius: 0.05, factualOnly: false,
                                      method: .exact, seed: 1)
            flags += slice.flags
            levels += slice.witnessLevels
            witnesses += slice.witnesses.storage
            start += size
        }
        #expect(start == 50_000)
        #expect(whole.flags == flags)
        #expect(whole.witnessLevels == levels)
        #expect(bitIdentical(whole.witnesses.storage, witnesses))
        // And the U_0 of the whole input agrees with the twins, row by row (no chunk offset errors).
        let u0 = try audit.run(x, radius: 0, factualOnly: false, method: .exact, seed: 1)
        let twinLogits = auditPlainLogits(w, b, try scm.twins(x))
        let own = auditPlainLogits(w, b, x).map { $0 > threshold }
        let expected = (0..<x.rows).map { r in (0..<10).contains { (twinLogits[10 * r + $0] > threshold) != own[r] } }
        #expect(u0.flags == expected)
        #expect(auditCount(whole.flags) > 1_000)
    }

    @Test("sample(20) on 50,000 rows × 2 twins runs in chunks, stays below exact, and places witnesses on their rows")
    func sampleInChunks() throws {
        let (scm, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 50_000, seed: 34)
        let w = [0.3, 1.0, 1.0], b = -0.5
        let audit = try UnfairnessAudit(model: try auditLogistic(w, b), space: space, logitThreshold: 0)
        let (sampled, chunks, _) = try Self.runCounting(audit, x, radius: 0.05, method: .sample(samples: 20))
        #expect(chunks >= 2, "the input should span several chunks, got \(chunks)")
        let exact = try audit.run(x, radius: 0.05, factualOnly: false, method: .exact, seed: 1)
        let notExact = auditNotContained(sampled.flags, in: exact.flags)
        #expect(notExact.isEmpty, "sample flags \(notExact.count) rows exact does not: \(notExact.prefix(5))")
        let sampleCount = auditCount(sampled.flags), exactCount = auditCount(exact.flags)
        print("AUDITNUM chunked sample \(sampleCount) exact \(exactCount) chunks \(chunks)")
        #expect(Double(sampleCount) >= 0.8 * Double(exactCount), "sample \(sampleCount), exact \(exactCount)")
        // Every witness belongs to its own row's ball and flips that row's prediction.
        let flagged = (0..<x.rows).filter { sampled.flags[$0] }
        let twins = try scm.twins(x.gatherRows(flagged))
        let levels = sampled.witnessLevels
        let distances = try scm.metric(sampled.witnesses.gatherRows(flagged),
                                       twins.gatherRows(flagged.indices.map { 2 * $0 + levels[flagged[$0]] }))
        #expect(distances.allSatisfy { $0 <= 0.05 + 1e-9 })
        let own = auditPlainLogits(w, b, x).map { $0 > 0 }
        let witnessLogits = auditPlainLogits(w, b, sampled.witnesses.gatherRows(flagged))
        #expect(flagged.indices.allSatisfy { (witnessLogits[$0] > 0) != own[flagged[$0]] })
        // Same seed, same chunks: identical.
        let again = try audit.run(x, radius: 0.05, factualOnly: false, method: .sample(samples: 20), seed: 1)
        #expect(again.flags == sampled.flags && bitIdentical(again.witnesses, sampled.witnesses))
    }

    @Test("a deterministic attack (one start) gives the same rows whether run whole (chunked) or in halves")
    func attackChunkingInvariant() throws {
        let (_, space) = try AuditTenLevels.fitted()
        let x = AuditTenLevels.sample(rows: 40_000, seed: 35)
        let model = try trainingNetwork([AuditTenLevels.columns, 4, 1], .tanh, seed: 9)
        let logits = model(x).storage.sorted()
        let audit = try UnfairnessAudit(model: model, space: space, logitThreshold: logits[logits.count / 2])
        let method = AuditMethod.attack(steps: 2, restarts: 1, stepSize: 0)
        let (whole, chunks, _) = try Self.runCounting(audit, x, radius: 0.1, method: method)
        #expect(chunks >= 2, "the input should span several chunks, got \(chunks)")
        let first = try audit.run(x.gatherRows(Array(0..<15_000)), radius: 0.1, factualOnly: false, method: method, seed: 7)
        let second = try audit.run(x.gatherRows(Array(15_000..<40_000)), radius: 0.1, factualOnly: false, method: method,
                                   seed: 8)
        #expect(whole.flags == first.flags + second.flags)
        #expect(whole.witnessLevels == first.witnessLevels + second.witnessLevels)
        #expect(bitIdentical(whole.witnesses.storage, first.witnesses.storage + second.witnesses.storage))
        #expect(auditCount(whole.flags) > 1_000)
    }
}
