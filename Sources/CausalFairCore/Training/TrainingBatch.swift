/// One minibatch and the causal quantities objectives need for it.
struct TrainingBatch: Sendable {
    /// Encoded features (rows x columns).
    let x: Matrix
    /// Labels in {0, 1}.
    let labels: [Double]
    /// φ(x), when the objective perturbs in the latent space (cal, causal_at, twins).
    let latent: Matrix?
    /// Twins ((rows · levels) x columns, row r's twins contiguous), when needed.
    let twins: Matrix?
    /// Number of twin levels.
    let levelCount: Int
    /// Sample weights of the rows, normalised to mean 1 over the run's training rows
    /// (times the piece's share of its batch in a `piece`); nil when every row weighs 1.
    var weights: [Double]? = nil

    var rows: Int { x.rows }

    /// The batch of rows `indices` of this one (in that order), with their labels,
    /// latent rows, twins and weights.
    func gathering(_ indices: [Int]) -> TrainingBatch {
        TrainingBatch(x: x.gatherRows(indices), labels: indices.map { labels[$0] },
                      latent: latent?.gatherRows(indices),
                      twins: twins?.gatherRows(indices.flatMap { r in (0..<levelCount).map { r * levelCount + $0 } }),
                      levelCount: levelCount, weights: weights.map { w in indices.map { w[$0] } })
    }

    /// The rows `range` of this batch as a piece of it: the same rows, labels, latent rows
    /// and twins, with weights w_r · (piece rows / batch rows) (1 · that share without
    /// weights), so that every row's coefficient in the piece's loss is its coefficient
    /// in the batch's, w_r / n (up to rounding), and the pieces' losses add up to the batch's.
    func piece(_ range: Range<Int>) -> TrainingBatch {
        let share = Double(range.count) / Double(rows)
        var piece = gathering(Array(range))
        piece.weights = range.map { (weights?[$0] ?? 1) * share }
        return piece
    }

    /// The coefficient of each row in the batch's loss, c_r = w_r / rows (1 / rows
    /// without weights): a batch loss Σ_r c_r ℓ_r is then an unbiased estimate of the
    /// weighted mean Σ w ℓ / Σ w over the training rows, and equals it when the batch
    /// holds every training row.
    var coefficients: [Double] { RowWeighting.coefficients(weights, rows: rows) }

    /// φ(x); throws when the run did not compute it (`Trainer.train` computes it for cal, causal_at and twins only).
    func requiredLatent() throws -> Matrix {
        guard let latent else { throw CausalFairError.computation("the objective needs φ(x), which was not computed") }
        return latent
    }

    /// Row indices repeated once per twin level: r, r, ..., r+1, ...
    var repeatedRows: [Int] { (0..<(rows * levelCount)).map { $0 / levelCount } }
    /// Twin levels cycling per row: 0, 1, ..., L−1, 0, ...
    var cycledLevels: [Int] { (0..<(rows * levelCount)).map { $0 % levelCount } }
    /// Labels repeated once per twin level.
    var repeatedLabels: [Double] { repeatedRows.map { labels[$0] } }
}
