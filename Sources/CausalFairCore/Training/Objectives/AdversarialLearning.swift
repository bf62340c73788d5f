/// al: BCE at the PGD point of the input-space L2 ball of radius ε (every column),
/// `steps` normalised steps from δ = 0.
enum AdversarialLearning: TrainingObjective {
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds {
        .none
    }

    static func evaluate(_ batch: TrainingBatch, in context: ObjectiveContext,
                         generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        let configuration = context.configuration
        let ascent = ProjectedAscent(radius: configuration.epsilon, mask: [Bool](repeating: true, count: batch.x.cols))
        let delta = ascent.normalisedGradientAscent(
            from: Matrix(rows: batch.rows, cols: batch.x.cols), steps: configuration.steps,
            stepSize: configuration.pgdStep(for: configuration.epsilon)) { delta in
                context.lossInputGradient(at: batch.x + delta, labels: batch.labels)
            }
        return context.crossEntropy(at: batch.x + delta, labels: batch.labels, weights: batch.weights)
    }
}
