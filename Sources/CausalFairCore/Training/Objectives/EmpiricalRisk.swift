/// erm: the mean binary cross-entropy of the batch.
enum EmpiricalRisk: TrainingObjective {
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds {
        .none
    }

    static func evaluate(_ batch: TrainingBatch, in context: ObjectiveContext,
                         generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        context.crossEntropy(at: batch.x, labels: batch.labels, weights: batch.weights)
    }

    /// Batched: one forward and one backward pass over the batch, with the per-row
    /// outer products of `MultilayerPerceptron.perExampleParameterGradients`.
    static func perExampleGradients(_ batch: TrainingBatch, in context: ObjectiveContext,
                                    generator: inout Xoshiro256StarStar) throws -> Matrix {
        let evaluation = Evaluation(context.model, batch.x, labels: batch.labels)
        return context.model.perExampleParameterGradients(
            evaluation.layers, outputGradient: evaluation.lossDerivatives(labels: batch.labels, scale: 1))
    }
}
