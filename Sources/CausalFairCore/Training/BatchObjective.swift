/// The loss of one minibatch under an objective, and its gradient with respect to
/// the model's parameters. All terms are means over the batch rows.
struct BatchObjective {
    let model: MultilayerPerceptron
    let configuration: TrainingConfiguration
    let space: LatentSpace
    /// J for the closed-form causal_at (linear model, affine φ⁻¹), else nil.
    let jacobian: Matrix?

    /// Loss and gradient of `batch`; randomness (inner starts, samples) from `generator`.
    func evaluate(_ batch: TrainingBatch, generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        var (loss, gradient): (Double, [Double])
        switch configuration.objective {
        case .erm: (loss, gradient) = crossEntropy(at: batch.x, labels: batch.labels)
        case .al: (loss, gradient) = adversarial(batch)
        case .cal: (loss, gradient) = try sampledCausalAdversarial(batch, generator: &generator)
        case .llr: (loss, gradient) = localLinearity(batch, generator: &generator)
        case .capify: (loss, gradient) = capify(batch, generator: &generator)
        case .causalAT: (loss, gradient) = try causalAdversarial(batch)
        }
        if configuration.twinPenalty > 0, let twins = batch.twins {
            let penalty = twinConsistency(batch, twins: twins)
            loss += penalty.loss
            accumulate(&gradient, penalty.gradient)
        }
        return (loss, gradient)
    }

    /// Mean BCE at `points` and its parameter gradient.
    func crossEntropy(at points: Matrix, labels: [Double]) -> (loss: Double, gradient: [Double]) {
        crossEntropy(of: Evaluation(model, points, labels: labels), labels: labels)
    }

    /// Mean BCE of an evaluation (of the current model) and its parameter gradient.
    private func crossEntropy(of evaluation: Evaluation, labels: [Double]) -> (loss: Double, gradient: [Double]) {
        let scale = 1 / Double(evaluation.logits.count)
        let gradient = model.parameterGradient(evaluation.layers,
                                               outputGradient: evaluation.lossDerivatives(labels: labels, scale: scale))
        return (evaluation.losses.reduce(0, +) * scale, gradient)
    }

    /// Mean BCE at the worst point of each run of `groupSize` rows of `points` (the
    /// highest loss; row r of the runs has label `labels[r]`) and its parameter
    /// gradient, from one forward pass over all the points.
    func worstCaseCrossEntropy(at points: Matrix, groupSize: Int,
                               labels: [Double]) -> (loss: Double, gradient: [Double]) {
        let evaluation = Evaluation(model, points, labels: (0..<points.rows).map { labels[$0 / groupSize] })
        let worst = Rows.argmaxPerGroup(evaluation.losses, groupSize: groupSize)
        return crossEntropy(of: evaluation.rows(worst), labels: labels)
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

    /// al: BCE at the PGD point of the input-space ball of radius ε.
    private func adversarial(_ batch: TrainingBatch) -> (loss: Double, gradient: [Double]) {
        let ascent = ProjectedAscent(radius: configuration.epsilon, mask: [Bool](repeating: true, count: batch.x.cols))
        let delta = ascent.normalisedGradientAscent(
            from: Matrix(rows: batch.rows, cols: batch.x.cols), steps: configuration.steps,
            stepSize: configuration.pgdStep(for: configuration.epsilon)) { delta in
                lossInputGradient(at: batch.x + delta, labels: batch.labels)
            }
        return crossEntropy(at: batch.x + delta, labels: batch.labels)
    }

    /// cal: BCE at the worst of m uniform samples of B_Δ(x) per row (all twin levels).
    private func sampledCausalAdversarial(_ batch: TrainingBatch,
                                          generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        let perRow = batch.levelCount * configuration.samples
        let count = batch.rows * perRow
        var latent = try batch.requiredLatent().gatherRows((0..<count).map { $0 / perRow })
        let levels = (0..<count).map { ($0 / configuration.samples) % batch.levelCount }
        space.perturbUniformly(&latent, radius: configuration.radius, generator: &generator)
        return worstCaseCrossEntropy(at: try space.decode(latent, levels: levels), groupSize: perRow, labels: batch.labels)
    }

    /// causal_at: BCE at the worst point of B_Δ(x): every twin level, projected
    /// gradient ascent on δ in the latent space through φ⁻¹ (or the closed form).
    private func causalAdversarial(_ batch: TrainingBatch) throws -> (loss: Double, gradient: [Double]) {
        if configuration.exactWhenLinear, let jacobian, model.widths.count == 2 {
            return try exactCausalAdversarial(batch, jacobian: jacobian)
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
                    return pullback(lossInputGradient(at: points, labels: labels))
                }
        }
        return worstCaseCrossEntropy(at: try space.decode(start + delta, levels: levels), groupSize: batch.levelCount,
                                     labels: batch.labels)
    }

    /// causal_at for a linear model on an affine φ⁻¹: the worst logit in twin s's ball
    /// is g(x_s) ∓ Δ‖Jᵀw‖, so the loss is softplus(−min_s m_s) with margin
    /// m_s = (2y−1) g(x_s) − Δ‖Jᵀw‖.
    private func exactCausalAdversarial(_ batch: TrainingBatch, jacobian: Matrix) throws -> (loss: Double, gradient: [Double]) {
        let inputs = model.widths[0]
        let weights = Array(model.parameters[0..<inputs])
        let projected = BLAS.multiply(jacobian, weights, transposeA: true)
        let norm = projected.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let twins = try batch.twins ?? space.decode(
            space.settingLevels(try batch.requiredLatent().gatherRows(batch.repeatedRows), levels: batch.cycledLevels),
            levels: batch.cycledLevels)
        let logits = model(twins).storage
        let signs = batch.repeatedLabels.map { 2 * $0 - 1 }
        let margins = (0..<logits.count).map { signs[$0] * logits[$0] - configuration.radius * norm }
        let worst = Rows.argmaxPerGroup(margins.map { -$0 }, groupSize: batch.levelCount)
        let scale = 1 / Double(batch.rows)
        let slopes = worst.map { -sigmoid(-margins[$0]) * scale }
        let loss = worst.reduce(0) { $0 + softplus(-margins[$1]) } * scale
        var gradient = logitGradient(at: twins.gatherRows(worst), weights: zip(worst, slopes).map { signs[$0] * $1 })
        if norm > 0 {
            let direction = BLAS.multiply(jacobian, projected)
            let total = slopes.reduce(0, +) * configuration.radius / norm
            for i in 0..<inputs { gradient[i] -= total * direction[i] }
        }
        return (loss, gradient)
    }

    /// llr (Qin et al. 2019), on the loss ℓ: ℓ(x) + λ·|ℓ(x+δ) − ℓ(x) − δᵀ∇ℓ(x)| +
    /// μ·|δᵀ∇ℓ(x)|, δ the inner maximiser of the gap in the ε-ball.
    private func localLinearity(_ batch: TrainingBatch, generator: inout Xoshiro256StarStar) -> (loss: Double, gradient: [Double]) {
        let base = baseGradients(batch)
        return localLinearityLoss(batch, delta: localLinearityPerturbation(batch, base: base, generator: &generator), base: base)
    }

    /// The network at the batch rows, as llr and capify need it for the inner
    /// maximisation and again for the loss: computed once per batch.
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

    /// `BaseGradients` of the batch rows under the current model.
    func baseGradients(_ batch: TrainingBatch) -> BaseGradients {
        let evaluation = Evaluation(model, batch.x, labels: batch.labels)
        let pass = model.inputGradientPass(evaluation.layers)
        let residuals = zip(evaluation.logits, batch.labels).map { BinaryCrossEntropy.derivative(logit: $0, label: $1) }
        return BaseGradients(evaluation: evaluation, pass: pass, lossGradient: Rows.scaled(pass.gradient, by: residuals),
                             residuals: residuals)
    }

    /// The llr gap ℓ(x+δ) − ℓ(x) − δᵀ∇ℓ(x) per row, and the evaluation at x + δ.
    private func lossLinearityGap(_ batch: TrainingBatch, delta: Matrix, base: Evaluation,
                                  lossGradient: Matrix) -> (values: [Double], shifted: Evaluation) {
        let shifted = Evaluation(model, batch.x + delta, labels: batch.labels)
        let linear = Rows.dot(delta, lossGradient)
        return ((0..<batch.rows).map { shifted.losses[$0] - base.losses[$0] - linear[$0] }, shifted)
    }

    /// The inner maximiser of llr's gap (projected Adam from ε·N(0, I)); `base` is
    /// computed when not given.
    func localLinearityPerturbation(_ batch: TrainingBatch, base given: BaseGradients? = nil,
                                    generator: inout Xoshiro256StarStar) -> Matrix {
        let given = given ?? baseGradients(batch)
        let (base, lossGradient) = (given.evaluation, given.lossGradient)
        let ascent = ProjectedAscent(radius: configuration.epsilon, mask: [Bool](repeating: true, count: batch.x.cols))
        return ascent.adamAscent(rows: batch.rows, steps: configuration.steps,
                                 learningRate: configuration.innerLearningRate, generator: &generator) { delta in
            let (values, shifted) = lossLinearityGap(batch, delta: delta, base: base, lossGradient: lossGradient)
            let shiftedGradient = model.inputGradient(
                shifted.layers, outputGradient: shifted.lossDerivatives(labels: batch.labels, scale: 1))
            return Rows.scaled(shiftedGradient - lossGradient, by: values.map(Rows.sign))
        }
    }

    /// llr's loss and exact parameter gradient at a given δ (held fixed); `base` is
    /// computed when not given.
    func localLinearityLoss(_ batch: TrainingBatch, delta: Matrix,
                            base given: BaseGradients? = nil) -> (loss: Double, gradient: [Double]) {
        let y = batch.labels
        let given = given ?? baseGradients(batch)
        let (base, logitGradient, lossGradient, residuals) = (given.evaluation, given.pass.gradient, given.lossGradient,
                                                              given.residuals)
        let (gaps, shifted) = lossLinearityGap(batch, delta: delta, base: base, lossGradient: lossGradient)
        let linear = Rows.dot(delta, lossGradient)
        let directional = Rows.dot(delta, logitGradient)
        let lambda = configuration.lambda, mu = configuration.mu, scale = 1 / Double(batch.rows)
        var loss = 0.0
        var outputGradient = [Double](repeating: 0, count: batch.rows)
        var rhoScale = [Double](repeating: 0, count: batch.rows)
        var shiftedWeights = [Double](repeating: 0, count: batch.rows)
        for r in 0..<batch.rows {
            let p = sigmoid(base.logits[r])
            let gapSign = Rows.sign(gaps[r]), linearSign = Rows.sign(linear[r])
            let k = -lambda * gapSign + mu * linearSign
            loss += (base.losses[r] + lambda * abs(gaps[r]) + mu * abs(linear[r])) * scale
            outputGradient[r] = (residuals[r] * (1 - lambda * gapSign) + k * directional[r] * p * (1 - p)) * scale
            rhoScale[r] = k * residuals[r] * scale
            shiftedWeights[r] = lambda * gapSign * BinaryCrossEntropy.derivative(logit: shifted.logits[r], label: y[r]) * scale
        }
        var gradient = model.secondOrderParameterGradient(base.layers, pass: given.pass,
                                                          inputGradientCotangent: Rows.scaled(delta, by: rhoScale),
                                                          outputGradient: columnVector(outputGradient))
        accumulate(&gradient, model.parameterGradient(shifted.layers, outputGradient: columnVector(shiftedWeights)))
        return (loss, gradient)
    }

    /// capify: BCE + λ·|g(x+δ) − g(x) − δᵀ∇g(x)| + μ·‖∇ₓg‖² on the actionable
    /// (perturbable) columns + ν·max over twins of BCE; δ the inner maximiser of the
    /// logit's linearity gap (Adam from ε·N(0, I), projected on the ε-ball).
    private func capify(_ batch: TrainingBatch, generator: inout Xoshiro256StarStar) -> (loss: Double, gradient: [Double]) {
        let base = baseGradients(batch)
        return capifyLoss(batch, delta: capifyPerturbation(batch, base: base, generator: &generator), base: base)
    }

    /// The logit gap g(x+δ) − g(x) − δᵀ∇g(x) per row, and the layers at x + δ.
    private func logitLinearityGap(_ batch: TrainingBatch, delta: Matrix, base: Evaluation,
                                   logitGradient: Matrix) -> (values: [Double], shifted: [Matrix]) {
        let shifted = model.forwardPass(batch.x + delta)
        let linear = Rows.dot(delta, logitGradient)
        let logits = shifted[shifted.count - 1].storage
        return ((0..<batch.rows).map { logits[$0] - base.logits[$0] - linear[$0] }, shifted)
    }

    /// The inner maximiser of capify's gap (projected Adam from ε·N(0, I)); `base` is
    /// computed when not given.
    func capifyPerturbation(_ batch: TrainingBatch, base given: BaseGradients? = nil,
                            generator: inout Xoshiro256StarStar) -> Matrix {
        let given = given ?? baseGradients(batch)
        let (base, logitGradient) = (given.evaluation, given.pass.gradient)
        let ascent = ProjectedAscent(radius: configuration.epsilon, mask: [Bool](repeating: true, count: batch.x.cols))
        return ascent.adamAscent(rows: batch.rows, steps: configuration.steps,
                                 learningRate: configuration.innerLearningRate, generator: &generator) { delta in
            let (values, shifted) = logitLinearityGap(batch, delta: delta, base: base, logitGradient: logitGradient)
            let shiftedGradient = model.inputGradientPass(shifted).gradient
            return Rows.scaled(shiftedGradient - logitGradient, by: values.map(Rows.sign))
        }
    }

    /// capify's loss and exact parameter gradient at a given δ (held fixed); `base` is
    /// computed when not given.
    func capifyLoss(_ batch: TrainingBatch, delta: Matrix, base given: BaseGradients? = nil) -> (loss: Double, gradient: [Double]) {
        let y = batch.labels
        let given = given ?? baseGradients(batch)
        let (base, logitGradient, residuals) = (given.evaluation, given.pass.gradient, given.residuals)
        let (gaps, shifted) = logitLinearityGap(batch, delta: delta, base: base, logitGradient: logitGradient)
        let lambda = configuration.lambda, mu = configuration.mu, scale = 1 / Double(batch.rows)
        var actionable = logitGradient
        for r in 0..<batch.rows { for c in 0..<batch.x.cols where !space.perturbable[c] { actionable[r, c] = 0 } }
        let squaredNorms = Rows.dot(actionable, actionable)
        let signs = gaps.map(Rows.sign)
        var loss = 0.0
        for r in 0..<batch.rows { loss += (base.losses[r] + lambda * abs(gaps[r]) + mu * squaredNorms[r]) * scale }
        let outputGradient = (0..<batch.rows).map { (residuals[$0] - lambda * signs[$0]) * scale }
        let rho = Rows.scaled(delta, by: signs.map { -lambda * $0 * scale })
            + Rows.scaled(actionable, by: [Double](repeating: 2 * mu * scale, count: batch.rows))
        var gradient = model.secondOrderParameterGradient(base.layers, pass: given.pass, inputGradientCotangent: rho,
                                                          outputGradient: columnVector(outputGradient))
        accumulate(&gradient, model.parameterGradient(shifted, outputGradient: columnVector(signs.map { lambda * $0 * scale })))
        if configuration.nu > 0, let twins = batch.twins {
            let term = worstCaseCrossEntropy(at: twins, groupSize: batch.levelCount, labels: y)
            loss += configuration.nu * term.loss
            accumulate(&gradient, term.gradient.map { configuration.nu * $0 })
        }
        return (loss, gradient)
    }

    /// Twin-consistency penalty: weight × mean over rows of max over twins |g(twin) − g(x)|.
    private func twinConsistency(_ batch: TrainingBatch, twins: Matrix) -> (loss: Double, gradient: [Double]) {
        let logits = model(batch.x).storage
        let twinLogits = model(twins).storage
        let gaps = (0..<twinLogits.count).map { twinLogits[$0] - logits[$0 / batch.levelCount] }
        let worst = Rows.argmaxPerGroup(gaps.map(abs), groupSize: batch.levelCount)
        let weight = configuration.twinPenalty / Double(batch.rows)
        let signs = worst.map { Rows.sign(gaps[$0]) * weight }
        var gradient = logitGradient(at: twins.gatherRows(worst), weights: signs)
        accumulate(&gradient, logitGradient(at: batch.x, weights: signs.map { -$0 }))
        return (worst.reduce(0) { $0 + abs(gaps[$1]) } * weight, gradient)
    }
}
