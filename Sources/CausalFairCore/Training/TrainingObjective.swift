/// A training objective (DESIGN §4): the mean loss of one minibatch at the current
/// model and its exact gradient with respect to the model's parameters.
///
/// An objective states what the trainer must compute once per run for every training
/// row before the first batch (`needs`: φ(x), the twins, the constant Jacobian); the
/// batch then carries those rows' share (`TrainingBatch.latent`, `.twins`; the fair
/// metric is the context's, `ObjectiveContext.fairMetric`). Anything
/// else is computed inside `evaluate`, once per batch:
/// - an inner maximiser (al, causal_at, trades: projected normalised gradient ascent;
///   llr, capify: projected Adam — both `ProjectedAscent`; sensei: unconstrained Adam on
///   a transport-penalised objective; ross: one normalised step) runs on the batch, and the
///   loss is then differentiated with the maximiser held fixed (Danskin);
/// - second-order terms (a penalty on ∇ₓg) use
///   `MultilayerPerceptron.secondOrderParameterGradient`, with the pass at x computed
///   once (`ObjectiveContext.baseGradients`) and shared by the maximiser and the loss
///   (`LinearityRegularisedObjective`);
/// - the shared loss terms (BCE, worst-case BCE over groups of points, logit
///   gradients) are `ObjectiveContext`'s.
///
/// Randomness (inner starts, samples) comes only from the generator passed in, so a
/// run is reproducible from its seed. Conformances are stateless: the settings come
/// from `context.configuration`. `Objective.implementation` (ObjectiveRegistry.swift)
/// maps the identity the engine decodes to the conformance.
protocol TrainingObjective {
    /// What the trainer computes for every row before the first batch under `configuration`.
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds

    /// The mean loss of `batch` at `context.model` and its parameter gradient.
    static func evaluate(_ batch: TrainingBatch, in context: ObjectiveContext,
                         generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double])

    /// Σᵣ clip(gᵣ) for DP-SGD: gᵣ is the parameter gradient of row r's own loss (of
    /// `evaluate` on the batch of row r alone, inner maximisation included — a function of
    /// that row only), clipped by `privacy` to norm at most C. The default
    /// (`TrainingObjective+PerExampleGradients.swift`) forms every gᵣ by evaluating the
    /// one-row batches in turn; an objective whose row gradients have a batched form
    /// overrides it (erm: `MultilayerPerceptron.scaledParameterGradientSum`).
    static func clippedGradientSum(_ batch: TrainingBatch, in context: ObjectiveContext, privacy: DifferentialPrivacy,
                                   generator: inout Xoshiro256StarStar) throws -> [Double]
}

/// What a training objective (or a penalty term) needs the trainer to compute once per
/// run, for every training row (or, for the fair metric, from all of them).
struct TrainingObjectiveNeeds: Equatable {
    /// φ(x), the latent coordinates (`TrainingBatch.latent`).
    var latent = false
    /// Every twin of every row (`TrainingBatch.twins`); implies `latent`.
    var twins = false
    /// The constant Jacobian of an affine φ⁻¹ (`ObjectiveContext.jacobian`).
    var constantJacobian = false
    /// The fair metric fitted on the training rows (`ObjectiveContext.fairMetric`).
    var fairMetric = false

    /// Nothing beyond the rows and labels.
    static let none = TrainingObjectiveNeeds()

    /// Everything either needs.
    func union(_ other: TrainingObjectiveNeeds) -> TrainingObjectiveNeeds {
        TrainingObjectiveNeeds(latent: latent || other.latent, twins: twins || other.twins,
                               constantJacobian: constantJacobian || other.constantJacobian,
                               fairMetric: fairMetric || other.fairMetric)
    }
}
