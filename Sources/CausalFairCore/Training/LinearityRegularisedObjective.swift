/// An objective that penalises how far the network is from linear around each row
/// (llr on the loss, capify on the logit): an inner maximiser finds the perturbation δ
/// of the input-space ε-ball where the linearity gap is largest, and the loss is then
/// differentiated at that δ held fixed, second-order terms included. The pass at x
/// (`BaseGradients`) is computed once per batch and shared by both.
protocol LinearityRegularisedObjective: TrainingObjective {
    /// The inner maximiser of the gap; `base` is computed when nil.
    static func perturbation(_ batch: TrainingBatch, in context: ObjectiveContext, base: BaseGradients?,
                             generator: inout Xoshiro256StarStar) -> Matrix

    /// The loss and its exact parameter gradient at a given δ; `base` is computed when nil.
    static func loss(_ batch: TrainingBatch, delta: Matrix, in context: ObjectiveContext,
                     base: BaseGradients?) -> (loss: Double, gradient: [Double])
}

extension LinearityRegularisedObjective {
    /// The loss at the inner maximiser, the pass at x computed once.
    static func evaluate(_ batch: TrainingBatch, in context: ObjectiveContext,
                         generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        let base = context.baseGradients(batch)
        return loss(batch, delta: perturbation(batch, in: context, base: base, generator: &generator), in: context,
                    base: base)
    }
}
