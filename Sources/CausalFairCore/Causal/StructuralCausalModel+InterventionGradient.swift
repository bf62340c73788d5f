/// What the recourse search (DESIGN §4 "Recourse") needs at each step, in one pass.
extension StructuralCausalModel {
    /// Counterfactuals of `data`'s rows under `interventions`, a classifier's logits
    /// there, and the gradient of each logit with respect to the intervened values.
    ///
    /// Row i is abducted with the posterior streams of row `rowLabels[i]` of the table it
    /// came from (`PosteriorStreams.rows`), so its counterfactual is, bit for bit, the row
    /// `counterfactual(_:interventions:)` gives at that position of the table, whichever
    /// rows are gathered and in whatever order (repeats included). Then one propagation
    /// recording its pullback, one forward and one backward pass of `classifier`
    /// (one output), and one reverse pass through the mechanisms.
    ///
    /// The gradient has the latent layout (rows x columns): an intervened node's columns
    /// hold ∂logit/∂(its value) — the other intervened nodes held at theirs, every
    /// non-intervened node recomputed from its parents and the row's noise (the
    /// derivative of the hard intervention do(V_I := v_I) in v_I) —, the other columns the
    /// cotangent of their noise. Through a Gumbel-max node the reverse pass takes its
    /// straight-through surrogate (as `phiInverseVJP`), so the gradient is then a search
    /// direction; through continuous nodes it is exact (tested against finite differences).
    public func interventionGradient(_ data: Matrix, rowLabels: [Int], interventions: [(node: Int, values: Matrix)],
                                     classifier: MultilayerPerceptron) throws
        -> (counterfactuals: Matrix, logits: [Double], gradient: Matrix) {
        guard rowLabels.count == data.rows else {
            throw CausalFairError.invalidArgument("row labels: \(rowLabels.count) for \(data.rows) rows")
        }
        guard rowLabels.allSatisfy({ $0 >= 0 }) else { throw CausalFairError.invalidArgument("row labels must be >= 0") }
        guard classifier.widths.first == columnCount, classifier.widths.last == 1 else {
            throw CausalFairError.invalidArgument(
                "the classifier takes \(classifier.widths.first ?? 0) inputs and gives \(classifier.widths.last ?? 0) "
                + "outputs; expected \(columnCount) and 1")
        }
        let fixed = try checkInterventions(interventions, rows: data.rows)
        let latent = try abduct(data, streams: PosteriorStreams.rows(seed: 0, labels: rowLabels))
        let (counterfactuals, pullback) = try propagateWithPullback(latent, fixed: fixed)
        let layers = classifier.forwardPass(counterfactuals)
        let inputGradient = classifier.inputGradient(layers, outputGradient: Matrix(rows: data.rows, cols: 1, repeating: 1))
        return (counterfactuals, layers[layers.count - 1].storage, pullback(inputGradient))
    }
}
