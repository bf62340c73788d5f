/// Counterfactuals and twins under R posterior draws of the noise (DESIGN §4,
/// "Discrete nodes"): a Gumbel-max node's noise is sampled from its posterior, so a
/// counterfactual of a row is R realizable individuals, each with probability 1/R.
/// Draw d of row r comes from the stream of (node, firstRow + r, d) of `seed`, so
/// results do not depend on how rows are split into batches. Deterministic mechanisms
/// give the same noise in every draw (all draws equal when no node is Gumbel-max).
extension StructuralCausalModel {
    /// Whether some node has a Gumbel-max mechanism (abduction then samples).
    public var hasGumbelMaxNodes: Bool { nodes.contains { $0.usesGumbelMax } }

    /// The most posterior draws per row a verb takes.
    public static let maximumDrawCount = 1_000_000

    /// `drawCount` as an Int; throws outside 1...`maximumDrawCount` — the one check of
    /// every verb and export that takes R.
    public static func checkedDrawCount(_ drawCount: Int64) throws -> Int {
        guard drawCount >= 1, drawCount <= Int64(maximumDrawCount) else {
            throw CausalFairError.invalidArgument("n_draws: expected an int in [1, \(maximumDrawCount)], got \(drawCount)")
        }
        return Int(drawCount)
    }

    /// R posterior draws of each row's latent noise: ((rows * R) x columns), row r's
    /// draws contiguous (row r * R + d is draw d), in one batched pass over the nodes
    /// (`abduct(_:drawCount:streams:)`). `firstRow` is the index of `data`'s first row
    /// in the whole data (its streams). Throws for R outside 1...`maximumDrawCount`.
    public func abduct(_ data: Matrix, drawCount: Int, seed: UInt64, firstRow: Int = 0) throws -> Matrix {
        _ = try Self.checkedDrawCount(Int64(drawCount))
        _ = try checkedProduct(data.rows, drawCount, columnCount, what: "the posterior draws")
        return try abduct(data, drawCount: drawCount,
                          streams: PosteriorStreams(seed: seed, drawCount: drawCount, firstRow: firstRow))
    }

    /// Counterfactuals of every row under R posterior draws: ((rows * R) x columns), row
    /// r's draws contiguous. Each draw abducts the row's noise (one posterior draw for a
    /// Gumbel-max node), applies do(node := value) and recomputes every descendant. A
    /// node none of whose ancestors is intervened on keeps its value in every draw.
    public func counterfactual(_ data: Matrix, interventions: [(node: Int, values: Matrix)],
                               drawCount: Int, seed: UInt64, firstRow: Int = 0) throws -> Matrix {
        let fixed = try checkInterventions(interventions, rows: data.rows)
        let latent = try abduct(data, drawCount: drawCount, seed: seed, firstRow: firstRow)
        let repeated = fixed.mapValues { values in
            values.rows == 1 ? values : values.gatherRows((0..<latent.rows).map { $0 / drawCount })
        }
        return try propagate(latent, fixed: repeated)
    }

    /// Twins of every row under R posterior draws: ((rows * R * twinLevelCount) x columns),
    /// ordered by row, then draw, then twin level. The factual level of every draw
    /// reproduces the row itself.
    public func twins(_ data: Matrix, drawCount: Int, seed: UInt64, firstRow: Int = 0) throws -> Matrix {
        _ = try factualLevels(data)
        let latent = try abduct(data, drawCount: drawCount, seed: seed, firstRow: firstRow)
        let levelCount = twinLevelCount
        _ = try checkedProduct(latent.rows, levelCount, columnCount, what: "twins")
        let total = latent.rows * levelCount
        let repeated = latent.gatherRows((0..<total).map { $0 / levelCount })
        let levels = (0..<total).map { $0 % levelCount }
        return try propagate(repeated, fixed: sensitiveInterventions(levels: levels))
    }
}
