/// trades, causal TRADES (Zhang et al. 2019 moved into the causal ball):
/// BCE(g(x), y) + β·KL(p ‖ q), p = σ(g(x)), q = σ(g(x′)), x′ the point of B_Δ(x) —
/// every twin level, latent δ — that maximises the KL.
///
/// For Bernoulli distributions on logits a = g(x), b = g(x′),
///     KL(p ‖ q) = softplus(b) − p·b − (softplus(a) − p·a) = BCE(b; p) − BCE(a; p),
/// the cross-entropy against the soft label p, so ∂KL/∂b = σ(b) − p and
/// ∂KL/∂a = p(1 − p)(a − b); the gradient flows through both a and b (as in TRADES).
/// The inner maximiser is projected normalised gradient ascent on δ in each twin's
/// ball through φ⁻¹, from Δ·10⁻³·N(0, I) (at δ = 0 the factual twin's KL and its
/// gradient vanish), and x′ is the candidate with the largest KL over the twins.
/// With β = 0 the KL term has no weight: the maximiser is skipped (no draws from the
/// generator, no φ(x)) and the batch's loss and gradient are erm's, bit for bit, so a
/// run trains exactly as erm with the same seed.
enum CausalTrades: TrainingObjective {
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds {
        TrainingObjectiveNeeds(latent: configuration.beta > 0)
    }

    static func evaluate(_ batch: TrainingBatch, in context: ObjectiveContext,
                         generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        let clean = Evaluation(context.model, batch.x, labels: batch.labels)
        guard context.configuration.beta > 0 else {
            return context.crossEntropy(of: clean, labels: batch.labels, weights: batch.weights)
        }
        let candidates = try self.candidates(batch, in: context, clean: clean, generator: &generator)
        let worst = Rows.argmaxPerGroup(candidates.losses, groupSize: batch.levelCount)
        return loss(batch, clean: clean, adversarial: candidates.rows(worst), in: context)
    }

    /// x′ of every row: the maximiser of the KL over the twins' balls.
    static func adversarialPoints(_ batch: TrainingBatch, in context: ObjectiveContext,
                                  generator: inout Xoshiro256StarStar) throws -> Matrix {
        let clean = Evaluation(context.model, batch.x, labels: batch.labels)
        let candidates = try self.candidates(batch, in: context, clean: clean, generator: &generator)
        return candidates.layers[0].gatherRows(Rows.argmaxPerGroup(candidates.losses, groupSize: batch.levelCount))
    }

    /// The loss and its exact parameter gradient with x′ (one row per batch row) held fixed.
    static func loss(_ batch: TrainingBatch, adversarial: Matrix, in context: ObjectiveContext) -> (loss: Double, gradient: [Double]) {
        let clean = Evaluation(context.model, batch.x, labels: batch.labels)
        return loss(batch, clean: clean, adversarial: Evaluation(context.model, adversarial, labels: softLabels(clean)),
                    in: context)
    }

    /// p = σ(g(x)) per row.
    private static func softLabels(_ clean: Evaluation) -> [Double] { clean.logits.map(sigmoid) }

    /// The loss from the evaluations at x and at x′ (the latter's losses are BCE(b; p)).
    private static func loss(_ batch: TrainingBatch, clean: Evaluation, adversarial: Evaluation,
                             in context: ObjectiveContext) -> (loss: Double, gradient: [Double]) {
        let beta = context.configuration.beta, scale = batch.coefficients
        let p = softLabels(clean)
        var loss = 0.0
        var cleanWeights = [Double](repeating: 0, count: batch.rows)
        var adversarialWeights = [Double](repeating: 0, count: batch.rows)
        for r in 0..<batch.rows {
            let (a, b) = (clean.logits[r], adversarial.logits[r])
            let divergence = adversarial.losses[r] - BinaryCrossEntropy.loss(logit: a, label: p[r])
            loss += (clean.losses[r] + beta * divergence) * scale[r]
            cleanWeights[r] = (BinaryCrossEntropy.derivative(logit: a, label: batch.labels[r])
                               + beta * p[r] * (1 - p[r]) * (a - b)) * scale[r]
            adversarialWeights[r] = beta * BinaryCrossEntropy.derivative(logit: b, label: p[r]) * scale[r]
        }
        var gradient = context.model.parameterGradient(clean.layers, outputGradient: columnVector(cleanWeights))
        accumulate(&gradient, context.model.parameterGradient(adversarial.layers,
                                                              outputGradient: columnVector(adversarialWeights)))
        return (loss, gradient)
    }

    /// The maximiser's final point in every twin's ball (rows (row, level)), evaluated
    /// against the soft labels p of its row: its losses minus BCE(a; p) are the KLs.
    private static func candidates(_ batch: TrainingBatch, in context: ObjectiveContext, clean: Evaluation,
                                   generator: inout Xoshiro256StarStar) throws -> Evaluation {
        let (configuration, space, model) = (context.configuration, context.space, context.model)
        let levels = batch.cycledLevels
        let p = softLabels(clean)
        let repeated = batch.repeatedRows.map { p[$0] }
        let start = space.settingLevels(try batch.requiredLatent().gatherRows(batch.repeatedRows), levels: levels)
        var delta = Matrix(rows: start.rows, cols: start.cols)
        if configuration.radius > 0 {
            for r in 0..<delta.rows {
                for c in 0..<delta.cols where space.perturbable[c] { delta[r, c] = 1e-3 * configuration.radius * generator.normal() }
            }
            let ascent = ProjectedAscent(radius: configuration.radius, mask: space.perturbable)
            delta = try ascent.normalisedGradientAscent(
                from: delta, steps: configuration.steps, stepSize: configuration.pgdStep(for: configuration.radius)) { delta in
                    let (points, pullback) = try space.decodeWithPullback(start + delta, levels: levels)
                    let shifted = Evaluation(model, points, labels: repeated)
                    return pullback(model.inputGradient(shifted.layers,
                                                        outputGradient: shifted.lossDerivatives(labels: repeated, scale: 1)))
                }
        }
        return Evaluation(model, try space.decode(start + delta, levels: levels), labels: repeated)
    }
}
