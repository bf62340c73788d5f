/// The balls an audit searches (DESIGN §4, "Unfair area" and "Discrete nodes"), with
/// no classifier: the (row, draw) pairs of a table, each pair's ball at every twin
/// level (or at its factual level only), and one random stream per ball.
///
/// With R posterior draws per row the table holds rows · R pairs, pair p = row · R +
/// draw; the semi-latent point of a pair is φ of its row with a Gumbel-max node's
/// noise drawn from that row's draw d (the draw `StructuralCausalModel.abduct(_:drawCount:seed:firstRow:)`
/// and `twins(_:drawCount:seed:firstRow:)` make). Ball b of the pair p at level slot l
/// (b = p · perRow + l, perRow the levels per pair) draws from the stream b of the
/// audit's seed, so what a ball holds never depends on chunking, partitioning or the
/// other balls. With R = 1 a pair is a row and every stream is the one audits drew
/// before draws existed.
extension LatentSpace {
    /// The rows and semi-latent points of the pairs `pairs` of `x` (rows of the table
    /// from `firstRow`, R = `drawCount` ≥ 1 draws per row, posterior draws of
    /// `posteriorSeed`); `pairs` must lie in 0..<rows · R (callers check both).
    func pairPoints(_ x: Matrix, pairs: Range<Int>, drawCount: Int, posteriorSeed: UInt64,
                    firstRow: Int) throws -> (rows: Matrix, latent: Matrix) {
        let rows = x.gatherRows(pairs.map { $0 / drawCount })
        guard let scm else { return (rows, rows) }
        let firstPair = firstRow &* drawCount &+ pairs.lowerBound
        return (rows, try scm.phi(rows, streams: .pairs(seed: posteriorSeed, firstPair: firstPair)))
    }

    /// The balls of every pair: its latent point at each of the `levelCount` twin levels
    /// (or, `factualOnly`, at its `factual` level), ordered (pair, level), with their levels.
    func balls(_ latent: Matrix, factual: [Int], factualOnly: Bool) throws
        -> (latent: Matrix, levels: [Int], perRow: Int) {
        let perRow = factualOnly ? 1 : levelCount
        let count = try checkedProduct(latent.rows, perRow, what: "audit balls")
        let levels = (0..<count).map { factualOnly ? factual[$0 / perRow] : $0 % perRow }
        let repeated = latent.gatherRows((0..<count).map { $0 / perRow })
        return (settingLevels(repeated, levels: levels), levels, perRow)
    }

    /// The random stream of ball `index` of a chunk whose first pair is `firstPair`
    /// (`perRow` balls per pair): stream firstPair · perRow + index of `seed`.
    static func ballGenerator(seed: UInt64, firstPair: Int, perRow: Int, index: Int) -> Xoshiro256StarStar {
        Xoshiro256StarStar(seed: seed, stream: UInt64(truncatingIfNeeded: firstPair) &* UInt64(perRow)
                           &+ UInt64(index))
    }

    /// Adds a uniform draw from the radius-`radius` ball (perturbable columns) to row `row`.
    func perturb(_ z: inout Matrix, row: Int, radius: Double, generator: inout Xoshiro256StarStar) {
        let columns = (0..<z.cols).filter { perturbable[$0] }
        let draw = generator.uniformInBall(dimension: columns.count, radius: radius)
        for (j, c) in columns.enumerated() { z[row, c] += draw[j] }
    }

    /// The points the sampling audit draws: for every pair of `x`'s rows (from
    /// `firstRow` of the table, `drawCount` posterior draws each of `posteriorSeed`),
    /// every ball (twin levels, or the factual level only) and the samples `samples`
    /// of its stream (sample k is the k-th uniform draw of the ball's stream of
    /// `seed`): φ⁻¹(φ_d(twin) + δ_k). Rows ordered (row, draw, level, sample); exactly
    /// the candidates `SamplingEstimator` decodes for the same arguments.
    public func auditBallPoints(_ x: Matrix, radius: Double, factualOnly: Bool, samples: Range<Int>,
                                drawCount: Int, posteriorSeed: UInt64, seed: UInt64, firstRow: Int) throws -> Matrix {
        guard radius >= 0, radius <= maximumRadius else {
            throw CausalFairError.invalidArgument("radius must be in [0, \(maximumRadius)], got \(radius)")
        }
        guard x.cols == columnCount, x.isFinite else {
            throw CausalFairError.invalidArgument("X must have \(columnCount) finite columns")
        }
        _ = try StructuralCausalModel.checkedDrawCount(Int64(drawCount))
        guard samples.lowerBound >= 0 else { throw CausalFairError.invalidArgument("samples must start at 0 or later") }
        let pairCount = try checkedProduct(x.rows, drawCount, what: "audit pairs")
        let (rows, latent) = try pairPoints(x, pairs: 0..<pairCount, drawCount: drawCount,
                                            posteriorSeed: posteriorSeed, firstRow: firstRow)
        let (centres, levels, perRow) = try balls(latent, factual: try factualLevels(rows), factualOnly: factualOnly)
        _ = try checkedProduct(centres.rows, samples.count, columnCount, what: "audit ball points")
        let owner = (0..<centres.rows * samples.count).map { $0 / samples.count }
        var points = centres.gatherRows(owner)
        let firstPair = firstRow &* drawCount
        for ball in 0..<centres.rows {
            var generator = Self.ballGenerator(seed: seed, firstPair: firstPair, perRow: perRow, index: ball)
            var skipped = Matrix(rows: 1, cols: columnCount)
            for _ in 0..<samples.lowerBound { perturb(&skipped, row: 0, radius: radius, generator: &generator) }
            for s in 0..<samples.count {
                perturb(&points, row: ball * samples.count + s, radius: radius, generator: &generator)
            }
        }
        return try decode(points, levels: owner.map { levels[$0] })
    }
}
