/// ross (Ross, Lakkaraju & Bastani 2021, "Learning models for actionable recourse"):
/// BCE(g(x), y) + λ·BCE(g(x + δ), 1), δ the ε-step on the actionable columns toward
/// the favourable class,
///     δ = ε · m⊙∇ₓg(x) / ‖m⊙∇ₓg(x)‖   (δ = 0 where m⊙∇ₓg(x) = 0),
/// m the actionable mask (`ObjectiveContext.actionable`: the columns the configuration
/// names, by default every perturbable one; the data sets name the reference code's). This is the one-step (FGSM) minimiser of the linearised
/// BCE(g(x + δ), 1) over the ε-ball of the actionable columns: ∇ₓBCE(g, 1) =
/// −σ(−g)∇ₓg with σ(−g) > 0, so its normalised descent direction is that of ∇ₓg. The
/// regulariser asks every row to reach the favourable class with an actionable change
/// of norm ε (the "min-min" of the paper). The gradient is taken with δ held fixed, as
/// the paper's training does. No randomness, nothing computed per run.
enum ActionableRecourseRegularisation: TrainingObjective {
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds {
        .none
    }

    static func evaluate(_ batch: TrainingBatch, in context: ObjectiveContext,
                         generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        let clean = Evaluation(context.model, batch.x, labels: batch.labels)
        return loss(batch, clean: clean, delta: step(batch, clean: clean, in: context), in: context)
    }

    /// δ of every row (rows x columns): the ε-step along the actionable part of ∇ₓg.
    static func step(_ batch: TrainingBatch, in context: ObjectiveContext) -> Matrix {
        step(batch, clean: Evaluation(context.model, batch.x, labels: batch.labels), in: context)
    }

    /// The loss and its exact parameter gradient with δ held fixed.
    static func loss(_ batch: TrainingBatch, delta: Matrix, in context: ObjectiveContext) -> (loss: Double, gradient: [Double]) {
        loss(batch, clean: Evaluation(context.model, batch.x, labels: batch.labels), delta: delta, in: context)
    }

    private static func step(_ batch: TrainingBatch, clean: Evaluation, in context: ObjectiveContext) -> Matrix {
        var direction = context.model.logitInputGradient(clean.layers)
        let actionable = context.actionable
        for r in 0..<direction.rows { for c in 0..<direction.cols where !actionable[c] { direction[r, c] = 0 } }
        let norms = Rows.dot(direction, direction).map { $0.squareRoot() }
        let epsilon = context.configuration.epsilon
        return Rows.scaled(direction, by: norms.map { $0 > 0 ? epsilon / $0 : 0 })
    }

    private static func loss(_ batch: TrainingBatch, clean: Evaluation, delta: Matrix,
                             in context: ObjectiveContext) -> (loss: Double, gradient: [Double]) {
        let lambda = context.configuration.lambda, scale = batch.coefficients
        let favourable = [Double](repeating: 1, count: batch.rows)
        let moved = Evaluation(context.model, batch.x + delta, labels: favourable)
        var loss = 0.0
        for r in 0..<batch.rows { loss += (clean.losses[r] + lambda * moved.losses[r]) * scale[r] }
        var gradient = context.model.parameterGradient(
            clean.layers, outputGradient: clean.lossDerivatives(labels: batch.labels, scales: scale))
        accumulate(&gradient, context.model.parameterGradient(
            moved.layers, outputGradient: moved.lossDerivatives(labels: favourable, scales: scale.map { lambda * $0 })))
        return (loss, gradient)
    }
}
