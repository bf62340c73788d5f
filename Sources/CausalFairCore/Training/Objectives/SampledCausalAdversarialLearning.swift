/// cal: BCE at the worst of m uniform samples of B_Δ(x) per row, drawn in the latent
/// space at every twin level (m = `samples` per level).
enum SampledCausalAdversarialLearning: TrainingObjective {
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds {
        TrainingObjectiveNeeds(latent: true)
    }

    static func evaluate(_ batch: TrainingBatch, in context: ObjectiveContext,
                         generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        let configuration = context.configuration
        let perRow = batch.levelCount * configuration.samples
        let count = batch.rows * perRow
        var latent = try batch.requiredLatent().gatherRows((0..<count).map { $0 / perRow })
        let levels = (0..<count).map { ($0 / configuration.samples) % batch.levelCount }
        context.space.perturbUniformly(&latent, radius: configuration.radius, generator: &generator)
        return context.worstCaseCrossEntropy(at: try context.space.decode(latent, levels: levels), groupSize: perRow,
                                             labels: batch.labels, weights: batch.weights)
    }
}
