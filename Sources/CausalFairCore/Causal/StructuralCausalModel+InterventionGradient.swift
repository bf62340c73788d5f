/// What the recourse search (DESIGN §4 "Recourse") needs: each row's noise abducted once
/// at its own position, then at every step the counterfactual, a classifier's logit and
/// its gradient with respect to the intervened values, in one pass.
extension StructuralCausalModel {
    /// The noise of `data`'s rows, row i abducted with the posterior streams of row
    /// `rowLabels[i]` of the table it came from (`PosteriorStreams.rows`): bit for bit the
    /// row `abduct(_:)` gives at that position of the table, whichever rows are gathered
    /// and in whatever order (repeats included), so counterfactuals propagated from it
    /// are those `counterfactual(_:interventions:)` gives there.
    public func abduct(_ data: Matrix, rowLabels: [Int]) throws -> Matrix {
        guard rowLabels.count == data.rows else {
            throw CausalFairError.invalidArgument("row labels: \(rowLabels.count) for \(data.rows) rows")
        }
        guard rowLabels.allSatisfy({ $0 >= 0 }) else { throw CausalFairError.invalidArgument("row labels must be >= 0") }
        return try abduct(data, streams: PosteriorStreams.rows(seed: 0, labels: rowLabels))
    }

    /// Rows per piece of `interventionGradient`: pieces fixed by the row count only, so
    /// the result is the same bits for any thread count.
    static let interventionPieceRows = 512

    /// The counterfactuals of rows whose noise is `latent` (as `abduct` gives it) under
    /// `interventions`, `classifier`'s logits there, and the gradient of each logit with
    /// respect to the intervened values: one propagation recording its pullback, one
    /// forward and one backward pass of `classifier` (one output), and one reverse pass
    /// through the mechanisms, in pieces of `interventionPieceRows` rows on up to
    /// `threads` threads (every row's results depend on that row only).
    ///
    /// The gradient has the latent layout (rows x columns): an intervened node's columns
    /// hold ∂logit/∂(its value) — the other intervened nodes held at theirs, every
    /// non-intervened node recomputed from its parents and the row's noise (the
    /// derivative of the hard intervention do(V_I := v_I) in v_I) —, the other columns the
    /// cotangent of their noise. Through a Gumbel-max node the reverse pass takes its
    /// straight-through surrogate (as `phiInverseVJP`), so the gradient is then a search
    /// direction; through continuous nodes it is exact (tested against finite differences).
    public func interventionGradient(latent: Matrix, interventions: [(node: Int, values: Matrix)],
                                     classifier: MultilayerPerceptron, threads: Int = 1) throws
        -> (counterfactuals: Matrix, logits: [Double], gradient: Matrix) {
        try checkData(latent, name: "latent")
        guard classifier.widths.first == columnCount, classifier.widths.last == 1 else {
            throw CausalFairError.invalidArgument(
                "the classifier takes \(classifier.widths.first ?? 0) inputs and gives \(classifier.widths.last ?? 0) "
                + "outputs; expected \(columnCount) and 1")
        }
        let fixed = try checkInterventions(interventions, rows: latent.rows)
        let ranges = ParallelPieces.pieceRanges(latent.rows, pieceSize: Self.interventionPieceRows)
        let pieces = try ParallelPieces.map(ranges.count, threads: threads) { [self] p in
            let rows = Array(ranges[p])
            let (counterfactuals, pullback) = try propagateWithPullback(
                latent.gatherRows(rows), fixed: fixed.mapValues { $0.rows == 1 ? $0 : $0.gatherRows(rows) })
            let layers = classifier.forwardPass(counterfactuals)
            return (counterfactuals, layers[layers.count - 1], pullback(classifier.logitInputGradient(layers)))
        }
        return (Matrix(stackingRowsOf: pieces.map(\.0), cols: columnCount),
                pieces.flatMap { $0.1.storage },
                Matrix(stackingRowsOf: pieces.map(\.2), cols: columnCount))
    }
}
