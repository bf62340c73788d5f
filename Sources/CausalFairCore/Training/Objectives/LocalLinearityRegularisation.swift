/// llr (Qin et al. 2019), on the loss ℓ: ℓ(x) + λ·|ℓ(x+δ) − ℓ(x) − δᵀ∇ℓ(x)| +
/// μ·|δᵀ∇ℓ(x)|, δ the inner maximiser of the gap in the input-space ε-ball (projected
/// Adam from ε·N(0, I)). The gradient is exact at the maximiser, second-order terms
/// included; the pass at x is computed once per batch for the maximiser and the loss.
enum LocalLinearityRegularisation: LinearityRegularisedObjective {
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds {
        .none
    }

    /// The gap ℓ(x+δ) − ℓ(x) − δᵀ∇ℓ(x) per row, and the evaluation at x + δ.
    private static func gap(_ batch: TrainingBatch, delta: Matrix, in context: ObjectiveContext, base: Evaluation,
                            lossGradient: Matrix) -> (values: [Double], shifted: Evaluation) {
        let shifted = Evaluation(context.model, batch.x + delta, labels: batch.labels)
        let linear = Rows.dot(delta, lossGradient)
        return ((0..<batch.rows).map { shifted.losses[$0] - base.losses[$0] - linear[$0] }, shifted)
    }

    /// The inner maximiser of the gap (projected Adam from ε·N(0, I)); `base` is
    /// computed when not given.
    static func perturbation(_ batch: TrainingBatch, in context: ObjectiveContext, base given: BaseGradients? = nil,
                             generator: inout Xoshiro256StarStar) -> Matrix {
        let (configuration, model) = (context.configuration, context.model)
        let given = given ?? context.baseGradients(batch)
        let (base, lossGradient) = (given.evaluation, given.lossGradient)
        let ascent = ProjectedAscent(radius: configuration.epsilon, mask: [Bool](repeating: true, count: batch.x.cols))
        return ascent.adamAscent(rows: batch.rows, steps: configuration.steps,
                                 learningRate: configuration.innerLearningRate, generator: &generator) { delta in
            let (values, shifted) = gap(batch, delta: delta, in: context, base: base, lossGradient: lossGradient)
            let shiftedGradient = model.inputGradient(
                shifted.layers, outputGradient: shifted.lossDerivatives(labels: batch.labels, scale: 1))
            return Rows.scaled(shiftedGradient - lossGradient, by: values.map(Rows.sign))
        }
    }

    /// The loss and its exact parameter gradient at a given δ (held fixed); `base` is
    /// computed when not given.
    static func loss(_ batch: TrainingBatch, delta: Matrix, in context: ObjectiveContext,
                     base given: BaseGradients? = nil) -> (loss: Double, gradient: [Double]) {
        let (configuration, model) = (context.configuration, context.model)
        let y = batch.labels
        let given = given ?? context.baseGradients(batch)
        let (base, logitGradient, lossGradient, residuals) = (given.evaluation, given.pass.gradient, given.lossGradient,
                                                              given.residuals)
        let (gaps, shifted) = gap(batch, delta: delta, in: context, base: base, lossGradient: lossGradient)
        let linear = Rows.dot(delta, lossGradient)
        let directional = Rows.dot(delta, logitGradient)
        let lambda = configuration.lambda, mu = configuration.mu, scale = batch.coefficients
        var loss = 0.0
        var outputGradient = [Double](repeating: 0, count: batch.rows)
        var rhoScale = [Double](repeating: 0, count: batch.rows)
        var shiftedWeights = [Double](repeating: 0, count: batch.rows)
        for r in 0..<batch.rows {
            let p = sigmoid(base.logits[r])
            let gapSign = Rows.sign(gaps[r]), linearSign = Rows.sign(linear[r])
            let k = -lambda * gapSign + mu * linearSign
            loss += (base.losses[r] + lambda * abs(gaps[r]) + mu * abs(linear[r])) * scale[r]
            outputGradient[r] = (residuals[r] * (1 - lambda * gapSign) + k * directional[r] * p * (1 - p)) * scale[r]
            rhoScale[r] = k * residuals[r] * scale[r]
            shiftedWeights[r] = lambda * gapSign * BinaryCrossEntropy.derivative(logit: shifted.logits[r], label: y[r]) * scale[r]
        }
        var gradient = model.secondOrderParameterGradient(base.layers, pass: given.pass,
                                                          inputGradientCotangent: Rows.scaled(delta, by: rhoScale),
                                                          outputGradient: columnVector(outputGradient))
        accumulate(&gradient, model.parameterGradient(shifted.layers, outputGradient: columnVector(shiftedWeights)))
        return (loss, gradient)
    }
}
