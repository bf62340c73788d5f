/// erm: the mean binary cross-entropy of the batch.
enum EmpiricalRisk: TrainingObjective {
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds {
        .none
    }

    static func evaluate(_ batch: TrainingBatch, in context: ObjectiveContext,
                         generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        context.crossEntropy(at: batch.x, labels: batch.labels, weights: batch.weights)
    }
}
