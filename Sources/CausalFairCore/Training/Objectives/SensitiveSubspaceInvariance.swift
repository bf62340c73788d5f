/// sensei, sensitive-subspace invariance (SenSeI, Yurochkin & Sun 2021):
///     BCE(g(x), y) + λ·(g(x) − g(x′))²,
/// x′ = x + δ the auditor's point, δ maximising the transport-penalised output change
///     F(δ) = (g(x) − g(x + δ))² − μ·d(x, x + δ),
/// d the fair metric `SensitiveSubspaceMetric` (free along the sensitive columns and
/// their logistic-regression proxies, squared Euclidean across them). The auditor is
/// `steps` Adam steps of size `innerLearningRate` on every column from ε·N(0, I), ε =
/// `epsilon` (F's gradient vanishes at δ = 0); the gradient is taken with x′ held fixed.
///
/// Two choices differ from the inFairness code the paper's runs call, both so that a
/// batch's loss is a function of the batch and the model only: μ is a fixed setting,
/// where inFairness adapts it across batches toward a target mean distance; and the
/// output distance is the squared logit difference of the one-logit network, where
/// inFairness takes the squared distance between the two logits of a two-output one.
enum SensitiveSubspaceInvariance: TrainingObjective {
    static func needs(_ configuration: TrainingConfiguration, model: MultilayerPerceptron) -> TrainingObjectiveNeeds {
        TrainingObjectiveNeeds(fairMetric: true)
    }

    static func evaluate(_ batch: TrainingBatch, in context: ObjectiveContext,
                         generator: inout Xoshiro256StarStar) throws -> (loss: Double, gradient: [Double]) {
        let clean = Evaluation(context.model, batch.x, labels: batch.labels)
        let delta = try perturbation(batch, clean: clean, in: context, generator: &generator)
        return loss(batch, clean: clean, delta: delta, in: context)
    }

    /// The auditor's δ of every row.
    static func perturbation(_ batch: TrainingBatch, in context: ObjectiveContext,
                             generator: inout Xoshiro256StarStar) throws -> Matrix {
        try perturbation(batch, clean: Evaluation(context.model, batch.x, labels: batch.labels), in: context,
                         generator: &generator)
    }

    /// F(δ) of every row, the auditor's objective.
    static func auditObjective(_ batch: TrainingBatch, delta: Matrix, in context: ObjectiveContext) throws -> [Double] {
        let metric = try requiredMetric(context)
        let (a, b) = (context.model(batch.x).storage, context.model(batch.x + delta).storage)
        let distances = metric.distances(delta)
        return (0..<batch.rows).map { (a[$0] - b[$0]) * (a[$0] - b[$0]) - context.configuration.mu * distances[$0] }
    }

    /// The loss and its exact parameter gradient with δ held fixed.
    static func loss(_ batch: TrainingBatch, delta: Matrix, in context: ObjectiveContext) -> (loss: Double, gradient: [Double]) {
        loss(batch, clean: Evaluation(context.model, batch.x, labels: batch.labels), delta: delta, in: context)
    }

    private static func requiredMetric(_ context: ObjectiveContext) throws -> SensitiveSubspaceMetric {
        guard let metric = context.fairMetric else {
            throw CausalFairError.computation("the objective needs the fair metric, which was not computed")
        }
        return metric
    }

    private static func perturbation(_ batch: TrainingBatch, clean: Evaluation, in context: ObjectiveContext,
                                     generator: inout Xoshiro256StarStar) throws -> Matrix {
        let (configuration, model) = (context.configuration, context.model)
        let metric = try requiredMetric(context)
        var delta = Matrix(rows: batch.rows, cols: batch.x.cols)
        for i in delta.storage.indices { delta.storage[i] = configuration.epsilon * generator.normal() }
        var optimiser = Adam(parameterCount: delta.storage.count, learningRate: configuration.innerLearningRate)
        for _ in 0..<configuration.steps {
            let layers = model.forwardPass(batch.x + delta)
            let logits = layers[layers.count - 1].storage
            let outputGradient = (0..<batch.rows).map { -2 * (clean.logits[$0] - logits[$0]) }
            let ascent = model.inputGradient(layers, outputGradient: columnVector(outputGradient))
                - Rows.scaled(metric.distanceGradients(delta), by: [Double](repeating: configuration.mu, count: batch.rows))
            optimiser.update(&delta.storage, gradient: ascent.storage.map { -$0 })
        }
        return delta
    }

    private static func loss(_ batch: TrainingBatch, clean: Evaluation, delta: Matrix,
                             in context: ObjectiveContext) -> (loss: Double, gradient: [Double]) {
        let lambda = context.configuration.lambda, scale = batch.coefficients
        let moved = context.model.forwardPass(batch.x + delta)
        let b = moved[moved.count - 1].storage
        var loss = 0.0
        var cleanWeights = [Double](repeating: 0, count: batch.rows)
        var movedWeights = [Double](repeating: 0, count: batch.rows)
        for r in 0..<batch.rows {
            let change = clean.logits[r] - b[r]
            loss += (clean.losses[r] + lambda * change * change) * scale[r]
            cleanWeights[r] = (BinaryCrossEntropy.derivative(logit: clean.logits[r], label: batch.labels[r])
                               + 2 * lambda * change) * scale[r]
            movedWeights[r] = -2 * lambda * change * scale[r]
        }
        var gradient = context.model.parameterGradient(clean.layers, outputGradient: columnVector(cleanWeights))
        accumulate(&gradient, context.model.parameterGradient(moved, outputGradient: columnVector(movedWeights)))
        return (loss, gradient)
    }
}
