/// The audit of a scalar-logit classifier h(x) = 1[g(x) > τ]: the per-point
/// indicators of the unfair area U_Δ, the counterfactual unfairness U_0 and the
/// non-robust area NR_Δ (DESIGN §4).
///
/// Each indicator asks, for every evaluation point v, whether some v′ in the ball —
/// the union over twin levels, or the factual level only (`factualOnly`, NR_Δ) — has
/// h(v′) ≠ h(v). The method's `AuditEstimator` answers; the audit checks the
/// arguments and feeds it the points in chunks, so memory stays bounded.
public struct UnfairnessAudit: Sendable {
    /// The classifier.
    public let model: MultilayerPerceptron
    /// The perturbation space (an SCM's semi-latent space, or the inputs).
    public let space: LatentSpace
    /// Logit threshold τ: h(x) = 1 exactly when g(x) > τ.
    public let logitThreshold: Double

    /// An audit of `model` in `space`; throws unless the model takes the space's columns.
    public init(model: MultilayerPerceptron, space: LatentSpace, logitThreshold: Double) throws {
        guard model.widths.first == space.columnCount, model.widths.last == 1 else {
            throw CausalFairError.invalidArgument(
                "the model takes \(model.widths.first ?? 0) inputs; the data has \(space.columnCount) columns")
        }
        guard logitThreshold.isFinite else {
            throw CausalFairError.invalidArgument("the logit threshold must be finite (a probability threshold in (0, 1))")
        }
        self.model = model
        self.space = space
        self.logitThreshold = logitThreshold
    }

    /// Sample draws per ball between two checks for flips: balls whose point is
    /// flagged stop drawing.
    public static let sampleBlock = 64

    /// Bound propagation is tried only on balls of at most this many perturbable
    /// dimensions (its cost grows with them).
    static let maximumCertifiedDimensions = 64

    /// Width of the widest layer a candidate point passes through: the data, a hidden
    /// layer of the classifier or of an MLP mechanism.
    var widestLayer: Int {
        var widest = max(space.columnCount, model.widths.max() ?? 1)
        for mechanism in space.scm?.nodes.map(\.mechanism) ?? [] {
            widest = max(widest, mechanism.hiddenWidths.max() ?? 1)
        }
        return widest
    }

    /// Rows per chunk: about 4 million doubles in the widest intermediate matrix (the
    /// candidate points, or a hidden layer of the classifier or of an MLP mechanism),
    /// and about 2²⁷ multiply-adds (candidate points × parameters of the classifier and
    /// the mechanisms) per pass, so that progress — and Ctrl-C — is checked several
    /// times a second however wide the networks are.
    func chunkRows(pointsPerRow: Int) -> Int {
        let work = Double(max(1, pointsPerRow)) * Double(model.parameters.count + (space.scm?.parameterCount ?? 0))
        return max(1, min(4_000_000 / max(1, pointsPerRow * widestLayer), Int(Double(1 << 27) / max(1, work))))
    }

    /// Pieces per chunk: each holds about 1/8 of a chunk's rows, so a chunk's pieces
    /// together stay within its memory whatever the thread count, and 8 pieces balance
    /// over 1, 2, 4 or 8 threads.
    static let piecesPerChunk = 8

    /// Elements of the widest matrix of bound propagation (a layer's generators, k rows
    /// per ball) that `provablyConstant` holds at once: balls are bounded a block at a
    /// time, so its working memory stays near a few MB whatever the chunk size.
    static let boundBlockElements = 1 << 17

    /// Runs `method`'s estimator (`AuditEstimator`) on every (row, posterior draw) pair
    /// of `x` (encoded, finite), a chunk of pairs at a time (`chunkRows`), each chunk cut
    /// into `piecesPerChunk` pieces that run on up to `threads` threads (0: every
    /// available core). The pieces are consecutive pairs of near-equal count fixed by the
    /// pair count and the chunk size only, so the result is the same, bit for bit, for
    /// any thread count. `progress(done, total)`, counting pairs, is called on the
    /// calling thread after every chunk, and after every sample block and attack step of
    /// the pieces that run on that thread; returning false stops every piece, with
    /// `interrupted`.
    ///
    /// With R = `drawCount` draws per row, pair p = row · R + d is the row with a
    /// Gumbel-max node's noise at its posterior draw d of `posteriorSeed` (the draw
    /// `StructuralCausalModel.twins(_:drawCount:seed:firstRow:)` makes), and the result
    /// holds one flag, level and witness per pair, in pair order. Without a Gumbel-max
    /// node every draw has the same semi-latent point (its balls still draw their own
    /// samples). R = 1 (posterior seed 0) is the audit of the single draw of seed 0.
    ///
    /// `sample` and `attack` first check every twin itself, then prove by bound
    /// propagation (`AffineBounds`) which balls cannot contain a flip and search only
    /// the others; random draws come from one stream per ball (seeded by `seed` and the
    /// ball's pair and level, `LatentSpace.ballGenerator`), so the draws do not depend
    /// on chunking (BLAS may still round a product differently for another row count).
    ///
    /// `firstRow` is the position of `x`'s first row in a larger table audited in
    /// parts: row r of `x` draws from the streams of row `firstRow + r`, so the parts
    /// `x[a..<b]` run with `firstRow: a` give the flags, levels and witnesses of the
    /// whole table's rows a..<b.
    public func run(_ x: Matrix, radius: Double, factualOnly: Bool, method: AuditMethod, seed: UInt64,
                    firstRow: Int = 0, drawCount: Int = 1, posteriorSeed: UInt64 = 0, threads: Int = 0,
                    progress: (Int, Int) -> Bool = { _, _ in true }) throws -> AuditResult {
        guard firstRow >= 0 else { throw CausalFairError.invalidArgument("first_row must be >= 0, got \(firstRow)") }
        _ = try StructuralCausalModel.checkedDrawCount(Int64(drawCount))
        guard radius >= 0, radius <= maximumRadius else {
            throw CausalFairError.invalidArgument("radius must be in [0, \(maximumRadius)], got \(radius)")
        }
        guard x.rows > 0, x.cols == space.columnCount else {
            throw CausalFairError.invalidArgument("X must have at least one row and \(space.columnCount) columns")
        }
        guard x.isFinite else { throw CausalFairError.invalidArgument("X contains NaN or infinity") }
        let estimator = try method.estimator(for: self)
        let pairCount = try checkedProduct(x.rows, drawCount, what: "audit (row, draw) pairs")
        _ = try checkedProduct(pairCount, x.cols, what: "audit witnesses")
        var result = AuditResult(flags: [], witnessLevels: [], witnesses: Matrix(rows: pairCount, cols: x.cols,
                                                                                 repeating: .nan))
        let levels = factualOnly ? 1 : space.levelCount
        // Candidates per pair and pass; bound propagation holds k + 2 rows per ball.
        let dimensions = space.perturbable.filter { $0 }.count
        let boundRows = dimensions <= Self.maximumCertifiedDimensions ? dimensions + 2 : 0
        let perRow = levels * estimator.pointsPerBall(boundRows: boundRows)
        let chunk = chunkRows(pointsPerRow: perRow)
        let pieces = ParallelPieces.pieceRanges(pairCount, pieceSize: (chunk + Self.piecesPerChunk - 1) / Self.piecesPerChunk)
        let threads = try ParallelPieces.threads(threads)
        try withoutActuallyEscaping(progress) { progress in
            let caller = CallerProgress(progress)
            var first = 0
            while first < pieces.count {
                let group = Array(pieces[first..<min(first + Self.piecesPerChunk, pieces.count)])
                let start = group[0].lowerBound
                let found = try ParallelPieces.map(group.count, threads: threads) { [self] p in
                    let (block, latent) = try space.pairPoints(x, pairs: group[p], drawCount: drawCount,
                                                               posteriorSeed: posteriorSeed, firstRow: firstRow)
                    return try estimator.estimate(block, latent: latent,
                                                  firstPair: firstRow &* drawCount &+ group[p].lowerBound, in: self,
                                                  radius: radius, factualOnly: factualOnly, seed: seed) {
                        caller.keepGoing(done: start, total: pairCount)
                    }
                }
                for (pairs, part) in zip(group, found) {
                    result.flags += part.flags
                    result.witnessLevels += part.witnessLevels
                    for (i, p) in pairs.enumerated() where part.flags[i] {
                        for c in 0..<x.cols { result.witnesses[p, c] = part.witnesses[i, c] }
                    }
                }
                first += group.count
                guard progress(group[group.count - 1].upperBound, pairCount) else {
                    throw CausalFairError.interrupted("audit interrupted")
                }
            }
        }
        return result
    }
}
