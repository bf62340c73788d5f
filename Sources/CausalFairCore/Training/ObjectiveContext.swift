/// Everything one minibatch's objective is evaluated in — the current model, the run's
/// configuration, the perturbation space and, for a linear model on an affine φ⁻¹, the
/// constant Jacobian — and the loss terms the objectives share, each with its exact
/// parameter gradient. All losses are means over the batch rows (weighted by `weights`,
/// one per row of the batch, when given: `RowWeighting`).
struct ObjectiveContext: Sendable {
    let model: MultilayerPerceptron
    let configuration: TrainingConfiguration
    let space: LatentSpace
    /// J for the closed-form causal_at (linear model, affine φ⁻¹), else nil.
    let jacobian: Matrix?
    /// The fair metric fitted on the training rows (sensei), else nil.
    var fairMetric: SensitiveSubspaceMetric? = nil

    /// Per column, whether a person can act on it (`TrainingConfiguration.actionableColumns`;
    /// none given: the perturbable columns): ross's step and capify's penalty.
    var actionable: [Bool] {
        guard !configuration.actionableColumns.isEmpty else { return space.perturbable }
        var mask = [Bool](repeating: false, count: space.perturbable.count)
        for column in configuration.actionableColumns { mask[column] = true }
        return mask
    }

    /// Mean BCE at `points` and its parameter gradient.
    func crossEntropy(at points: Matrix, labels: [Double], weights: [Double]? = nil) -> (loss: Double, gradient: [Double]) {
        crossEntropy(of: Evaluation(model, points, labels: labels), labels: labels, weights: weights)
    }

    /// Mean BCE of an evaluation (of the current model) and its parameter gradient.
    func crossEntropy(of evaluation: Evaluation, labels: [Double],
                      weights: [Double]? = nil) -> (loss: Double, gradient: [Double]) {
        let count = evaluation.logits.count
        let derivatives = weights == nil
            ? evaluation.lossDerivatives(labels: labels, scale: 1 / Double(count))
            : evaluation.lossDerivatives(labels: labels, scales: RowWeighting.coefficients(weights, rows: count))
        let gradient = model.parameterGradient(evaluation.layers, outputGradient: derivatives)
        return (RowWeighting.mean(evaluation.losses, weights: weights), gradient)
    }

    /// Mean BCE at the worst point of each run of `groupSize` rows of `points` (the
    /// highest loss; row r of the runs has label `labels[r]`) and its parameter
    /// gradient, from one forward pass over all the points.
    func worstCaseCrossEntropy(at points: Matrix, groupSize: Int, labels: [Double],
                               weights: [Double]? = nil) -> (loss: Double, gradient: [Double]) {
        let evaluation = Evaluation(model, points, labels: (0..<points.rows).map { labels[$0 / groupSize] })
        let worst = Rows.argmaxPerGroup(evaluation.losses, groupSize: groupSize)
        return crossEntropy(of: evaluation.rows(worst), labels: labels, weights: weights)
    }

    /// ∂/∂θ Σ_r c_r g(points_r).
    func logitGradient(at points: Matrix, weights: [Double]) -> [Double] {
        model.parameterGradient(model.forwardPass(points), outputGradient: columnVector(weights))
    }

    /// ∇ₓBCE at each row of `points`.
    func lossInputGradient(at points: Matrix, labels: [Double]) -> Matrix {
        let evaluation = Evaluation(model, points, labels: labels)
        return model.inputGradient(evaluation.layers, outputGradient: evaluation.lossDerivatives(labels: labels, scale: 1))
    }

    /// `BaseGradients` of the batch rows under the current model.
    func baseGradients(_ batch: TrainingBatch) -> BaseGradients {
        let evaluation = Evaluation(model, batch.x, labels: batch.labels)
        let pass = model.inputGradientPass(evaluation.layers)
        let residuals = zip(evaluation.logits, batch.labels).map { BinaryCrossEntropy.derivative(logit: $0, label: $1) }
        return BaseGradients(evaluation: evaluation, pass: pass, lossGradient: Rows.scaled(pass.gradient, by: residuals),
                             residuals: residuals)
    }
}

/// The network at the batch rows, as the second-order objectives (llr, capify) need it
/// for the inner maximisation and again for the loss: computed once per batch.
struct BaseGradients {
    /// The evaluation at x.
    let evaluation: Evaluation
    /// ∇ₓg with the products the second-order pass reuses.
    let pass: MultilayerPerceptron.InputGradientPass
    /// ∇ₓℓ per row.
    let lossGradient: Matrix
    /// dℓ/dg per row.
    let residuals: [Double]
}
