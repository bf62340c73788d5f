/// capify: BCE + λ·|g(x+δ) − g(x) − δᵀ∇g(x)| + μ·‖∇ₓg‖² on the actionable columns
/// (`ObjectiveContext.actionable`: by default every perturbable one) + ν·max over twins
/// of BCE; δ the inner maximiser of the
/// logit's linearity gap (Adam from ε·N(0, I), projected on the input-space ε-ball).
/// The gradient is exact at the maximiser, second-order terms included; the pass at x
/// is computed once per batch for the maximiser and the loss.
enum Capify: LinearityRegularisedObjective {
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds {
        configuration.nu > 0 ? TrainingObjectiveNeeds(latent: true, twins: true) : .none
    }

    /// The logit gap g(x+δ) − g(x) − δᵀ∇g(x) per row, and the layers at x + δ.
    private static func gap(_ batch: TrainingBatch, delta: Matrix, in context: ObjectiveContext, base: Evaluation,
                            logitGradient: Matrix) -> (values: [Double], shifted: [Matrix]) {
        let shifted = context.model.forwardPass(batch.x + delta)
        let linear = Rows.dot(delta, logitGradient)
        let logits = shifted[shifted.count - 1].storage
        return ((0..<batch.rows).map { logits[$0] - base.logits[$0] - linear[$0] }, shifted)
    }

    /// The inner maximiser of the gap (projected Adam from ε·N(0, I)); `base` is
    /// computed when not given.
    static func perturbation(_ batch: TrainingBatch, in context: ObjectiveContext, base given: BaseGradients? = nil,
                             generator: inout Xoshiro256StarStar) -> Matrix {
        let (configuration, model) = (context.configuration, context.model)
        let given = given ?? context.baseGradients(batch)
        let (base, logitGradient) = (given.evaluation, given.pass.gradient)
        let ascent = ProjectedAscent(radius: configuration.epsilon, mask: [Bool](repeating: true, count: batch.x.cols))
        return ascent.adamAscent(rows: batch.rows, steps: configuration.steps,
                                 learningRate: configuration.innerLearningRate, generator: &generator) { delta in
            let (values, shifted) = gap(batch, delta: delta, in: context, base: base, logitGradient: logitGradient)
            let shiftedGradient = model.logitInputGradient(shifted)
            return Rows.scaled(shiftedGradient - logitGradient, by: values.map(Rows.sign))
        }
    }

    /// The loss and its exact parameter gradient at a given δ (held fixed); `base` is
    /// computed when not given.
    static func loss(_ batch: TrainingBatch, delta: Matrix, in context: ObjectiveContext,
                     base given: BaseGradients? = nil) -> (loss: Double, gradient: [Double]) {
        let (configuration, model, space) = (context.configuration, context.model, context.space)
        let y = batch.labels
        let given = given ?? context.baseGradients(batch)
        let (base, logitGradient, residuals) = (given.evaluation, given.pass.gradient, given.residuals)
        let (gaps, shifted) = gap(batch, delta: delta, in: context, base: base, logitGradient: logitGradient)
        let lambda = configuration.lambda, mu = configuration.mu, scale = batch.coefficients
        var actionable = logitGradient
        let mask = context.actionable
        for r in 0..<batch.rows { for c in 0..<batch.x.cols where !mask[c] { actionable[r, c] = 0 } }
        let squaredNorms = Rows.dot(actionable, actionable)
        let signs = gaps.map(Rows.sign)
        var loss = 0.0
        for r in 0..<batch.rows { loss += (base.losses[r] + lambda * abs(gaps[r]) + mu * squaredNorms[r]) * scale[r] }
        let outputGradient = (0..<batch.rows).map { (residuals[$0] - lambda * signs[$0]) * scale[$0] }
        let rho = Rows.scaled(delta, by: (0..<batch.rows).map { -lambda * signs[$0] * scale[$0] })
            + Rows.scaled(actionable, by: scale.map { 2 * mu * $0 })
        var gradient = model.secondOrderParameterGradient(base.layers, pass: given.pass, inputGradientCotangent: rho,
                                                          outputGradient: columnVector(outputGradient))
        accumulate(&gradient, model.parameterGradient(shifted, outputGradient: columnVector((0..<batch.rows).map { lambda * signs[$0] * scale[$0] })))
        if configuration.nu > 0, let twins = batch.twins {
            let term = context.worstCaseCrossEntropy(at: twins, groupSize: batch.levelCount, labels: y,
                                                     weights: batch.weights)
            loss += configuration.nu * term.loss
            accumulate(&gradient, term.gradient.map { configuration.nu * $0 })
        }
        return (loss, gradient)
    }
}
