import Testing
@testable import CausalFairCore

/// Large inputs are processed in chunks of about four million candidate values; the
/// chunking must not change what is found. A wide input space (no SCM) makes several
/// chunks cheap to reach; the chunk loop is the same for every space.
@Suite("Audit: chunked processing of large inputs")
struct AuditChunkingTests {
    static let width = 400

    /// `rows` x `width` inputs with a deterministic spread of values.
    static func wideInputs(rows: Int, seed: UInt64) -> Matrix {
        var generator = Xoshiro256StarStar(seed: seed)
        var x = Matrix(rows: rows, cols: width)
        for i in x.storage.indices { x.storage[i] = 2 * generator.uniform() - 1 }
        return x
    }

    /// A logistic classifier on the wide inputs with τ at the median logit.
    static func wideClassifier(_ x: Matrix) throws -> (w: [Double], b: Double, threshold: Double) {
        let w = (0..<width).map { 0.05 * cosine(Double($0)) }
        return (w, 0.1, auditMedianThreshold(auditPlainLogits(w, 0.1, x)))
    }

    /// The result of `run` with the number of chunks it reported (progress calls that
    /// advanced the rows done: an attack also reports, unchanged, after every step).
    static func runCounting(_ audit: UnfairnessAudit, _ x: Matrix, radius: Double, method: AuditMethod,
                            seed: UInt64 = 1) throws -> (result: AuditResult, chunks: Int, last: (Int, Int)) {
        var chunks = 0
        var last = (0, 0)
        let result = try audit.run(x, radius: radius, factualOnly: false, method: method, seed: seed) { done, total in
            if done != last.0 { chunks += 1 }
            last = (done, total)
            return true
        }
        return (result, chunks, last)
    }

    /// The input-ball closed form: |g − τ| within Δ‖w‖ on the other side.
    static func closedForm(_ w: [Double], _ b: Double, _ threshold: Double, _ x: Matrix, radius: Double) -> [Bool] {
        let halfWidth = radius * norm(w)
        return auditPlainLogits(w, b, x).map { $0 > threshold ? $0 - halfWidth <= threshold : $0 + halfWidth > threshold }
    }

    @Test("exact over several chunks equals exact run on uneven slices, and the closed form")
    func exactChunks() throws {
        let x = Self.wideInputs(rows: 10_500, seed: 41)
        let (w, b, threshold) = try Self.wideClassifier(x)
        let space = try LatentSpace(scm: nil, columns: Self.width)
        let audit = try UnfairnessAudit(model: try auditLogistic(w, b), space: space, logitThreshold: threshold)
        #expect(audit.chunkRows(pointsPerRow: 1) < x.rows)
        let radius = 0.02
        let (whole, chunks, last) = try Self.runCounting(audit, x, radius: radius, method: .exact)
        #expect(chunks == 2)
        #expect(last == (10_500, 10_500))
        #expect(whole.flags == Self.closedForm(w, b, threshold, x, radius: radius))
        #expect(auditCount(whole.flags) > 100 && auditCount(whole.flags) < 10_000)
        var flags: [Bool] = [], levels: [Int] = []
        var witnesses: [Double] = []
        var start = 0
        for size in [1, 3_333, 7_166] {
            let slice = try audit.run(x.gatherRows(Array(start..<(start + size))), radius: radius, factualOnly: false,
                                      method: .exact, seed: 1)
            flags += slice.flags
            levels += slice.witnessLevels
            witnesses += slice.witnesses.storage
            start += size
        }
        #expect(start == x.rows)
        #expect(whole.flags == flags)
        #expect(whole.witnessLevels == levels)
        #expect(bitIdentical(whole.witnesses.storage, witnesses))
    }

    @Test("sample over several chunks (LIN SCM with a wide immutable root): flags within exact, witnesses on their own rows")
    func sampleChunks() throws {
        // Nodes S, C (categorical, 390 levels, immutable root), X1 ← S, X2 ← S, X1: 393 columns,
        // two twin levels, two perturbable latents.
        let levels = 390
        var scm = try StructuralCausalModel(nodes: [
            NodeSpecification(kind: .binary, isSensitive: true),
            NodeSpecification(kind: .categorical(levels: levels), isImmutable: true),
            NodeSpecification(kind: .continuous, parents: [0], mechanism: .linear(ridge: 0)),
            NodeSpecification(kind: .continuous, parents: [0, 2], mechanism: .linear(ridge: 0)),
        ])
        let base = AuditLIN.sample(rows: 700, seed: 45)
        var x = Matrix(rows: base.rows, cols: levels + 3)
        for r in 0..<base.rows {
            x[r, 0] = base[r, 0]
            x[r, 1 + r % levels] = 1
            x[r, levels + 1] = base[r, 1]
            x[r, levels + 2] = base[r, 2]
        }
        try scm.fit(x, seed: 1)
        let space = try LatentSpace(scm: scm, columns: x.cols)
        var w = [Double](repeating: 0, count: x.cols)
        w[0] = 0.3
        w[levels + 1] = 1
        w[levels + 2] = 1
        for c in 1...levels { w[c] = 0.01 * cosine(Double(c)) }
        let audit = try UnfairnessAudit(model: try auditLogistic(w, -0.5), space: space, logitThreshold: 0)
        let rows = x.gatherRows(Array(0..<300))
        let radius = 0.3
        let (sampled, chunks, _) = try Self.runCounting(audit, rows, radius: radius, method: .sample(samples: 20))
        #expect(chunks == 2)
        let exact = try audit.run(rows, radius: radius, factualOnly: false, method: .exact, seed: 1)
        #expect(auditNotContained(sampled.flags, in: exact.flags).isEmpty)
        let sampleCount = auditCount(sampled.flags), exactCount = auditCount(exact.flags)
        #expect(sampleCount >= 20 && Double(sampleCount) >= 0.7 * Double(exactCount), "sample \(sampleCount), exact \(exactCount)")
        let flagged = (0..<rows.rows).filter { sampled.flags[$0] }
        let twins = try scm.twins(rows.gatherRows(flagged))
        let distances = try scm.metric(sampled.witnesses.gatherRows(flagged),
                                       twins.gatherRows(flagged.indices.map { 2 * $0 + sampled.witnessLevels[flagged[$0]] }))
        #expect(distances.allSatisfy { $0 <= radius + 1e-9 }, "\(distances.max() ?? 0)")
        let own = auditPlainLogits(w, -0.5, rows).map { $0 > 0 }
        let witnessLogits = auditPlainLogits(w, -0.5, sampled.witnesses.gatherRows(flagged))
        #expect(flagged.indices.allSatisfy { (witnessLogits[$0] > 0) != own[flagged[$0]] })
    }

    @Test("a deterministic attack (one start) over several chunks finds, row by row, the ball's extreme point")
    func attackChunks() throws {
        let x = Self.wideInputs(rows: 10_050, seed: 43)
        let (w, b, threshold) = try Self.wideClassifier(x)
        let space = try LatentSpace(scm: nil, columns: Self.width)
        let audit = try UnfairnessAudit(model: try auditLogistic(w, b), space: space, logitThreshold: threshold)
        let radius = 0.02
        // One normalised step of 2Δ from δ = 0, projected: x ∓ Δ w/‖w‖, the extreme point.
        let method = AuditMethod.attack(steps: 1, restarts: 1, stepSize: 2 * radius)
        let (whole, chunks, _) = try Self.runCounting(audit, x, radius: radius, method: method)
        #expect(chunks == 2)
        let expected = Self.closedForm(w, b, threshold, x, radius: radius)
        #expect(whole.flags == expected)
        #expect(auditCount(whole.flags) > 100)
        let own = auditPlainLogits(w, b, x).map { $0 > threshold }
        let norm = norm(w)
        var worst = 0.0
        for r in 0..<x.rows where whole.flags[r] {
            #expect(whole.witnessLevels[r] == 0)
            let sign = own[r] ? -1.0 : 1.0
            for c in 0..<Self.width {
                worst = max(worst, abs(whole.witnesses[r, c] - (x[r, c] + sign * radius * w[c] / norm)))
            }
        }
        #expect(worst < 1e-12, "largest witness deviation from the extreme point: \(worst)")
        for r in 0..<x.rows where !whole.flags[r] { #expect(whole.witnessLevels[r] == -1) }
    }

    @Test("50,000 rows × 2 twins on the LIN SCM: exact equals the closed form computed from the twins")
    func largeLinearInput() throws {
        let (scm, space) = try AuditLIN.fitted()
        let c = try #require(AuditLIN.fittedX1Effect(scm))
        let x = AuditLIN.sample(rows: 50_000, seed: 44)
        let w = [0.3, 1.0, 1.0], b = -0.5
        let audit = try UnfairnessAudit(model: try auditLogistic(w, b), space: space, logitThreshold: 0)
        let result = try audit.run(x, radius: 0.05, factualOnly: false, method: .exact, seed: 1)
        let halfWidth = 0.05 * norm(AuditLIN.projectedWeights(w, x1Effect: c))
        let (own, margins) = try auditExactMargins(scm: scm, w: w, b: b, threshold: 0, x: x, halfWidth: halfWidth,
                                                   factualOnly: false)
        let expected = auditFlags(own: own, margins: margins)
        let differing = (0..<x.rows).filter { result.flags[$0] != expected[$0] && !margins[$0].contains { abs($0) < 1e-9 } }
        #expect(differing.isEmpty, "\(differing.count) rows differ: \(differing.prefix(5))")
        #expect(auditCount(result.flags) > 5_000)
    }

    @Test("chunks are also bounded by work: candidates × parameters ≤ 2²⁷, at least one row")
    func chunksBoundedByWork() throws {
        var generator = Xoshiro256StarStar(seed: 46)
        let widths = [6, 100, 100, 1]
        let model = MultilayerPerceptron(widths: widths, activation: .tanh, generator: &generator)
        let audit = try UnfairnessAudit(model: model, space: try LatentSpace(scm: nil, columns: 6), logitThreshold: 0)
        let parameters = MultilayerPerceptron.parameterCount(widths: widths)
        for pointsPerRow in [1, 8, 2_000, 2_000_000] {
            let rows = audit.chunkRows(pointsPerRow: pointsPerRow)
            #expect(rows >= 1)
            #expect(rows == 1 || rows * pointsPerRow * parameters <= 1 << 27, "\(pointsPerRow): \(rows) rows")
            #expect(rows <= max(1, 4_000_000 / (pointsPerRow * 100)))
        }
        // The paper's classifier with 1000 samples on two twins: a few rows, not the memory bound's 20.
        #expect(audit.chunkRows(pointsPerRow: 2_000) == (1 << 27) / (2_000 * parameters))
    }

    @Test("an attack asks whether to go on after every step, so it stops inside a chunk")
    func attackStopsBetweenSteps() throws {
        let x = Self.wideInputs(rows: 50, seed: 47)
        let (w, b, threshold) = try Self.wideClassifier(x)
        let audit = try UnfairnessAudit(model: try auditLogistic(w, b), space: try LatentSpace(scm: nil, columns: Self.width),
                                        logitThreshold: threshold)
        #expect(audit.chunkRows(pointsPerRow: 1) >= x.rows)  // one chunk
        var calls: [(Int, Int)] = []
        let error = thrownError {
            try audit.run(x, radius: 1e-6, factualOnly: false, method: .attack(steps: 10, restarts: 1, stepSize: 0),
                          seed: 1) { done, total in
                calls.append((done, total))
                return calls.count < 3
            }
        }
        #expect(error?.kind == .interrupted)
        #expect(calls.count == 3)
        #expect(calls.allSatisfy { $0 == (0, 50) })  // still inside the first chunk
    }
}
