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
/// Jacobian when the model is linear, as the trainer passes it).
func trainingObjective(_ model: MultilayerPerceptron, _ configuration: TrainingConfiguration,
                       space: LatentSpace) throws -> ObjectiveContext {
    let jacobian = model.widths.count == 2 ? try space.constantJacobian() : nil
    return ObjectiveContext(model: model, configuration: configuration, space: space, jacobian: jacobian)
}
