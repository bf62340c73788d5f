extension ObjectiveContext {
    /// What the run's loss needs computed once for every row: its objective's needs and
    /// the twin penalty's.
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds {
        configuration.objective.implementation.needs(configuration, model: model)
            .union(TwinConsistencyPenalty.needs(configuration))
    }

    /// The loss the run minimises on `batch` — the configured objective's, plus the twin
    /// penalty when it is on and the batch has twins — and its parameter gradient;
    /// randomness (inner starts, samples) from `generator`.
    func evaluate(_ batch: TrainingBatch, generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        var (loss, gradient) = try configuration.objective.implementation.evaluate(batch, in: self, generator: &generator)
        if configuration.twinPenalty > 0, let twins = batch.twins {
            let penalty = TwinConsistencyPenalty.evaluate(batch, twins: twins, in: self)
            loss += penalty.loss
            accumulate(&gradient, penalty.gradient)
        }
        return (loss, gradient)
    }

    /// Σᵣ clip(gᵣ) of the rows' own gradients — the objective's and, when the twin
    /// penalty is on, the penalty's: DP-SGD's clipped sum. Batched when the objective has
    /// a batched form and no penalty applies; else one evaluation of the one-row batch
    /// per row (`perExampleGradients`).
    func clippedGradientSum(_ batch: TrainingBatch, privacy: DifferentialPrivacy,
                            generator: inout Xoshiro256StarStar) throws -> [Double] {
        if configuration.twinPenalty > 0, batch.twins != nil {
            return privacy.clippedSum(try perExampleGradients(batch, generator: &generator))
        }
        return try configuration.objective.implementation.clippedGradientSum(batch, in: self, privacy: privacy,
                                                                              generator: &generator)
    }

    /// The parameter gradient of each row's own loss (rows x parameter count), the twin
    /// penalty's included when it is on: row r is `evaluate` of the batch of row r alone.
    func perExampleGradients(_ batch: TrainingBatch, generator: inout Xoshiro256StarStar) throws -> Matrix {
        try perRowGradients(batch) { row in try evaluate(row, generator: &generator).gradient }
    }
}
