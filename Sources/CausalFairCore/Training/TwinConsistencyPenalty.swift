/// The twin-consistency penalty added to any objective when `twinPenalty` > 0:
/// weight × mean over rows of max over twins |g(twin) − g(x)|, with its parameter
/// gradient (a subgradient at ties of the max and at g(twin) = g(x)).
enum TwinConsistencyPenalty {
    /// The twins when the penalty is on.
    static func needs(_ configuration: TrainingConfiguration) -> TrainingObjectiveNeeds {
        configuration.twinPenalty > 0 ? TrainingObjectiveNeeds(latent: true, twins: true) : .none
    }

    /// The penalty of `batch` (whose twins are `twins`) at `context.model`.
    static func evaluate(_ batch: TrainingBatch, twins: Matrix, in context: ObjectiveContext) -> (loss: Double, gradient: [Double]) {
        let model = context.model
        let logits = model(batch.x).storage
        let twinLogits = model(twins).storage
        let gaps = (0..<twinLogits.count).map { twinLogits[$0] - logits[$0 / batch.levelCount] }
        let worst = Rows.argmaxPerGroup(gaps.map(abs), groupSize: batch.levelCount)
        let weights = RowWeighting.coefficients(batch.weights, rows: batch.rows, times: context.configuration.twinPenalty)
        let signs = (0..<worst.count).map { Rows.sign(gaps[worst[$0]]) * weights[$0] }
        var gradient = context.logitGradient(at: twins.gatherRows(worst), weights: signs)
        accumulate(&gradient, context.logitGradient(at: batch.x, weights: signs.map { -$0 }))
        return (RowWeighting.mean(worst.map { abs(gaps[$0]) }, weights: batch.weights, times: context.configuration.twinPenalty),
                gradient)
    }
}
