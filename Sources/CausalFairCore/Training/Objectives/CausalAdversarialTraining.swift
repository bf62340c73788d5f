/// causal_at: BCE at the worst point of B_Δ(x) — every twin level, and within each
/// twin's ball projected normalised gradient ascent on δ in the latent space through
/// φ⁻¹ — or, for a linear model on an affine φ⁻¹ (`exactWhenLinear`), its closed form.
enum CausalAdversarialTraining: TrainingObjective {
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds {
        TrainingObjectiveNeeds(latent: true, twins: true, constantJacobian: model.widths.count == 2)
    }

    static func evaluate(_ batch: TrainingBatch, in context: ObjectiveContext,
                         generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        let (configuration, space, model) = (context.configuration, context.space, context.model)
        if configuration.exactWhenLinear, let jacobian = context.jacobian, model.widths.count == 2 {
            return try closedForm(batch, in: context, jacobian: jacobian)
        }
        let levels = batch.cycledLevels
        let labels = batch.repeatedLabels
        let start = space.settingLevels(try batch.requiredLatent().gatherRows(batch.repeatedRows), levels: levels)
        var delta = Matrix(rows: start.rows, cols: start.cols)
        if configuration.radius > 0 {
            let ascent = ProjectedAscent(radius: configuration.radius, mask: space.perturbable)
            delta = try ascent.normalisedGradientAscent(
                from: delta, steps: configuration.steps, stepSize: configuration.pgdStep(for: configuration.radius)) { delta in
                    let (points, pullback) = try space.decodeWithPullback(start + delta, levels: levels)
                    return pullback(context.lossInputGradient(at: points, labels: labels))
                }
        }
        return context.worstCaseCrossEntropy(at: try space.decode(start + delta, levels: levels),
                                             groupSize: batch.levelCount, labels: batch.labels,
                                             weights: batch.weights)
    }

    /// The closed form (`LinearLogitRange`): the worst logit in twin s's ball is
    /// g(x_s) ∓ Δ‖Jᵀw‖, so the loss is softplus(−min_s m_s) with margin
    /// m_s = (2y−1) g(x_s) − Δ‖Jᵀw‖.
    private static func closedForm(_ batch: TrainingBatch, in context: ObjectiveContext,
                                   jacobian: Matrix) throws -> (loss: Double, gradient: [Double]) {
        let (configuration, space, model) = (context.configuration, context.space, context.model)
        let inputs = model.widths[0]
        let range = LinearLogitRange(model: model, jacobian: jacobian)
        let norm = range.slope
        let twins = try batch.twins ?? space.decode(
            space.settingLevels(try batch.requiredLatent().gatherRows(batch.repeatedRows), levels: batch.cycledLevels),
            levels: batch.cycledLevels)
        let logits = model(twins).storage
        let signs = batch.repeatedLabels.map { 2 * $0 - 1 }
        let margins = (0..<logits.count).map { signs[$0] * logits[$0] - configuration.radius * norm }
        let worst = Rows.argmaxPerGroup(margins.map { -$0 }, groupSize: batch.levelCount)
        let scale = batch.coefficients
        let slopes = (0..<worst.count).map { -sigmoid(-margins[worst[$0]]) * scale[$0] }
        let loss = RowWeighting.mean(worst.map { softplus(-margins[$0]) }, weights: batch.weights)
        var gradient = context.logitGradient(at: twins.gatherRows(worst), weights: zip(worst, slopes).map { signs[$0] * $1 })
        if norm > 0 {
            let direction = BLAS.multiply(jacobian, range.projectedWeights)
            let total = slopes.reduce(0, +) * configuration.radius / norm
            for i in 0..<inputs { gradient[i] -= total * direction[i] }
        }
        return (loss, gradient)
    }
}
