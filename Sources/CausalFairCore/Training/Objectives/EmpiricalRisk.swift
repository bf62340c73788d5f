/// erm: the mean binary cross-entropy of the batch.
enum EmpiricalRisk: TrainingObjective {
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds {
        .none
    }

    static func evaluate(_ batch: TrainingBatch, in context: ObjectiveContext,
                         generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        context.crossEntropy(at: batch.x, labels: batch.labels, weights: batch.weights)
    }

    /// Batched: one forward pass, and the two backward passes of
    /// `MultilayerPerceptron.scaledParameterGradientSum` with the rows' own loss
    /// derivatives and the clipping factors; no per-row gradient is formed.
    static func clippedGradientSum(_ batch: TrainingBatch, in context: ObjectiveContext, privacy: DifferentialPrivacy,
                                   generator: inout Xoshiro256StarStar) throws -> [Double] {
        let evaluation = Evaluation(context.model, batch.x, labels: batch.labels)
        return context.model.scaledParameterGradientSum(
            evaluation.layers, outputGradient: evaluation.lossDerivatives(labels: batch.labels, scale: 1),
            factor: privacy.clippingFactor(norm:))
    }
}
