@testable import CausalFairCore

// Helpers of the training tests over the core's internal types (`TrainingBatch`,
// `ObjectiveContext`). They stay in the test target: the shared test-support target can
// only expose helpers whose signatures use the core's public types.

/// A batch of rows `rows` of (x, labels) in `space`, with all twins when `withTwins`.
func trainingBatch(_ x: Matrix, _ labels: [Double], rows: [Int], space: LatentSpace,
                   withTwins: Bool = true) throws -> TrainingBatch {
    let bx = x.gatherRows(rows)
    let latent = try space.phi(bx)
    let twins = withTwins ? try Trainer.allTwins(latent, space: space) : nil
    return TrainingBatch(x: bx, labels: rows.map { labels[$0] }, latent: latent, twins: twins,
                         levelCount: space.levelCount)
}

/// The objective of `model` under `configuration` in `space` (with the constant
/// Jacobian when the model is linear, as the trainer passes it, and, when the objective
/// needs it, the fair metric fitted on `metricRows` — by default 200 rows drawn from the
/// SCM with seed 7, or none without an SCM).
func trainingObjective(_ model: MultilayerPerceptron, _ configuration: TrainingConfiguration,
                       space: LatentSpace, metricRows: Matrix? = nil) throws -> ObjectiveContext {
    let jacobian = model.widths.count == 2 ? try space.constantJacobian() : nil
    var context = ObjectiveContext(model: model, configuration: configuration, space: space, jacobian: jacobian)
    if ObjectiveContext.needs(configuration, model: model).fairMetric {
        let rows = try metricRows ?? space.scm.map { try $0.sample(count: 200, interventions: [], seed: 7) }
            ?? Matrix(rows: 1, cols: space.columnCount)
        context.fairMetric = try SensitiveSubspaceMetric.fitted(x: rows, space: space)
    }
    return context
}
