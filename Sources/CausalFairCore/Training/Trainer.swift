/// What a training run reports after every minibatch.
public struct TrainingProgress: Sendable {
    /// Current epoch, from 0.
    public var epoch: Int
    /// Epochs requested.
    public var epochs: Int
    /// Minibatch within the epoch, from 0.
    public var batch: Int
    /// Minibatches per epoch.
    public var batches: Int
    /// Mean objective over the epoch's batches so far.
    public var loss: Double
    /// Validation BCE at the end of the epoch (NaN before, or without validation).
    public var validationLoss: Double
}

/// The outcome of a training run.
public struct TrainingResult: Sendable {
    /// The trained model (the best validation epoch's when early stopping is on).
    public var model: MultilayerPerceptron
    /// Mean training objective of every epoch run.
    public var trainingLosses: [Double]
    /// Validation BCE of every epoch run (NaN without validation).
    public var validationLosses: [Double]
    /// Newton: whether the gradient tolerance was met; nil for the minibatch optimisers.
    public var converged: Bool? = nil
}

/// Minibatch training of a scalar-output network under an objective.
public enum Trainer {
    /// Trains a copy of `model` on encoded features `x` and labels `labels` ∈ {0, 1}.
    ///
    /// Rows are shuffled every epoch with the configuration's seed, and each minibatch is
    /// evaluated in pieces on up to `configuration.threads` threads with randomness from
    /// the pieces' own streams (`ObjectiveContext.evaluateInPieces`): the trained model is
    /// the same, bit for bit, for any thread count. With an SCM the
    /// causal objectives perturb in its semi-latent space; without one they perturb
    /// the inputs directly (φ = identity). `progress` is called after every minibatch;
    /// returning false stops the run with `interrupted`, leaving `model` untouched.
    ///
    /// `sampleWeights` (one per row, finite, ≥ 0, positive sum; nil: all 1) weight every
    /// row's terms in the objective (`RowWeighting`: normalised to mean 1 over the
    /// training rows, a batch's loss is Σ_r w_r ℓ_r / batch size) and the validation BCE
    /// (a weighted mean). With the whole training set in one batch, integer weights give
    /// the objective of the data with rows repeated, and zero weights that of the data
    /// without those rows.
    ///
    /// With the `newton` optimizer the model must be logistic regression (widths
    /// [d, 1]) and the run is `NewtonSolver`'s: one "epoch" per Newton step, whose
    /// training loss is the full objective (mean BCE + weight decay / 2 · ‖θ‖²), the
    /// minibatch settings and the seed unused, and the model's initial parameters
    /// ignored (Newton starts from 0).
    public static func train(_ model: MultilayerPerceptron, x: Matrix, labels: [Double],
                             sampleWeights: [Double]? = nil,
                             scm: StructuralCausalModel?, configuration: TrainingConfiguration,
                             progress: (TrainingProgress) -> Bool = { _ in true }) throws -> TrainingResult {
        try configuration.validate()
        try checkInputs(model, x: x, labels: labels)
        _ = try RowWeighting.normalised(sampleWeights, rows: x.rows)
        if sampleWeights != nil, configuration.privacy != nil {
            // DP-SGD clips each example's gradient to the same norm, so a weight would not
            // weigh the example: refuse rather than train something other than asked.
            throw CausalFairError.invalidArgument(
                "sample_weight: expected None with differential privacy (per-example clipping would undo the weights)")
        }
        if configuration.objective == .sensei, configuration.privacy != nil {
            // sensei's fair metric is fitted on every training row without noise and enters
            // every row's gradient: one row would move all the others' clipped gradients.
            throw CausalFairError.invalidArgument(
                "method: sensei fits its fair metric on the training rows without noise, which differential "
                + "privacy does not cover; train sensei without privacy")
        }
        if configuration.optimizer == .newton {
            return try trainNewton(model, x: x, labels: labels, weights: sampleWeights, configuration: configuration,
                                   progress: progress)
        }
        let space = try LatentSpace(scm: scm, columns: x.cols)
        try checkActionable(configuration.actionableColumns, space: space)
        let threads = try ParallelPieces.threads(configuration.threads)
        var generator = Xoshiro256StarStar(seed: configuration.seed)
        var order = Array(0..<x.rows)
        generator.shuffle(&order)
        let validationCount = configuration.validationFraction > 0
            ? min(max(Int(Double(x.rows) * configuration.validationFraction), 1), x.rows - 1) : 0
        let validation = Array(order[(x.rows - validationCount)...])
        var training = Array(order[..<(x.rows - validationCount)])
        let weights = try sampleWeights.map { all in
            try RowWeighting.normalised(training.map { all[$0] }, rows: training.count).map { normalised in
                var byRow = all
                for (i, r) in training.enumerated() { byRow[r] = normalised[i] }
                return byRow
            }
        } ?? nil

        let needs = ObjectiveContext.needs(configuration, model: model)
        let latent = needs.latent || needs.twins ? try space.phi(x) : nil
        let twins = needs.twins ? try latent.map { try allTwins($0, space: space, threads: threads) } : nil
        let jacobian = needs.constantJacobian ? try space.constantJacobian() : nil
        let fairMetric = needs.fairMetric ? try SensitiveSubspaceMetric.fitted(x: x.gatherRows(training), space: space) : nil
        let all = TrainingBatch(x: x, labels: labels, latent: latent, twins: twins, levelCount: space.levelCount,
                                weights: weights)

        var current = model
        var optimiser = Adam(parameterCount: model.parameters.count, learningRate: configuration.learningRate,
                             weightDecay: configuration.weightDecay)
        var result = TrainingResult(model: model, trainingLosses: [], validationLosses: [])
        var best = (loss: Double.infinity, model: model, epoch: 0)
        let batches = (training.count + configuration.batchSize - 1) / configuration.batchSize
        // DP-SGD: as many steps per epoch, each on a Poisson sample of expected size
        // q·n = min(batch size, n).
        let expectedBatchSize = Double(min(configuration.batchSize, training.count))
        var batchThreads = SmallWorkThreads(threads: threads, parallelFrom: configuration.parallelFromSeconds)
        for epoch in 0..<configuration.epochs {
            generator.shuffle(&training)
            var total = 0.0
            for batchIndex in 0..<batches {
                let context = ObjectiveContext(model: current, configuration: configuration, space: space, jacobian: jacobian,
                                               fairMetric: fairMetric)
                let loss: Double, gradient: [Double]
                if let privacy = configuration.privacy {
                    let rows = DifferentialPrivacy.poissonSample(training, rate: expectedBatchSize / Double(training.count),
                                                                 generator: &generator)
                    let sum = try context.clippedGradientSum(all.gathering(rows), privacy: privacy, generator: &generator)
                    gradient = privacy.noisedMean(sum, expectedBatchSize: expectedBatchSize, generator: &generator)
                    loss = .nan  // the training loss would be a non-private release
                } else {
                    let rows = Array(training[(batchIndex * configuration.batchSize)..<min((batchIndex + 1) * configuration.batchSize, training.count)])
                    let batch = all.gathering(rows), step = epoch * batches + batchIndex
                    (loss, gradient) = try batchThreads.run { try context.evaluateInPieces(batch, step: step, threads: $0) }
                }
                guard loss.isFinite || configuration.privacy != nil, gradient.allSatisfy({ $0.isFinite }) else {
                    throw CausalFairError.computation("training diverged at epoch \(epoch) (loss \(loss)); lower the learning rate")
                }
                step(&current.parameters, gradient: gradient, optimiser: &optimiser, configuration: configuration)
                total += loss
                let report = TrainingProgress(epoch: epoch, epochs: configuration.epochs, batch: batchIndex, batches: batches,
                                              loss: total / Double(batchIndex + 1), validationLoss: .nan)
                if batchIndex < batches - 1, !progress(report) {
                    throw CausalFairError.interrupted("training interrupted at epoch \(epoch)")
                }
            }
            let validationLoss = validation.isEmpty ? Double.nan
                : meanCrossEntropy(current, x: x.gatherRows(validation), labels: validation.map { labels[$0] },
                                   weights: sampleWeights.map { w in validation.map { w[$0] } })
            result.trainingLosses.append(total / Double(max(batches, 1)))
            result.validationLosses.append(validationLoss)
            let report = TrainingProgress(epoch: epoch, epochs: configuration.epochs, batch: batches - 1, batches: batches,
                                          loss: total / Double(max(batches, 1)), validationLoss: validationLoss)
            guard progress(report) else { throw CausalFairError.interrupted("training interrupted at epoch \(epoch)") }
            if !validation.isEmpty {
                if validationLoss < best.loss { best = (validationLoss, current, epoch) }
                if epoch - best.epoch >= configuration.patience { break }
            }
        }
        result.model = validation.isEmpty || !best.loss.isFinite ? current : best.model
        return result
    }

    /// Throws unless every actionable column is a distinct perturbable column of `space`.
    private static func checkActionable(_ columns: [Int], space: LatentSpace) throws {
        for column in columns where !(space.perturbable.indices.contains(column) && space.perturbable[column]) {
            throw CausalFairError.invalidArgument(
                "actionable: expected perturbable columns in [0, \(space.perturbable.count)), got \(column)")
        }
        guard Set(columns).count == columns.count else {
            throw CausalFairError.invalidArgument("actionable: a column is given twice: \(columns)")
        }
    }

    private static func checkInputs(_ model: MultilayerPerceptron, x: Matrix, labels: [Double]) throws {
        guard x.rows > 0 else { throw CausalFairError.invalidArgument("X has no rows") }
        guard x.isFinite else { throw CausalFairError.invalidArgument("X contains NaN or infinity") }
        guard labels.count == x.rows else {
            throw CausalFairError.invalidArgument("y has \(labels.count) labels, X has \(x.rows) rows")
        }
        guard labels.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw CausalFairError.invalidArgument("y must hold only 0 and 1")
        }
        guard labels.contains(0), labels.contains(1) else { throw CausalFairError.invalidArgument("y must hold both classes 0 and 1") }
        guard model.widths.count >= 2, model.widths.first == x.cols, model.widths.last == 1 else {
            throw CausalFairError.invalidArgument("the model takes \(model.widths.first ?? 0) inputs and must have 1 output; X has \(x.cols) columns")
        }
    }

    /// The `newton` optimizer's run (see `train`).
    private static func trainNewton(_ model: MultilayerPerceptron, x: Matrix, labels: [Double], weights: [Double]?,
                                    configuration: TrainingConfiguration,
                                    progress: (TrainingProgress) -> Bool) throws -> TrainingResult {
        guard model.widths.count == 2 else {
            throw CausalFairError.invalidArgument(
                "optimizer newton needs logistic regression (no hidden layers); the model has widths \(model.widths)")
        }
        let outcome = try NewtonSolver.minimise(
            x: x, labels: labels, sampleWeights: weights, weightDecay: configuration.weightDecay, tolerance: configuration.tolerance,
            maxIterations: configuration.epochs) { step, objective in
                progress(TrainingProgress(epoch: step, epochs: configuration.epochs, batch: 0, batches: 1,
                                          loss: objective, validationLoss: .nan))
            }
        var trained = model
        trained.parameters = outcome.parameters
        return TrainingResult(model: trained, trainingLosses: outcome.objectives,
                              validationLosses: outcome.objectives.map { _ in .nan }, converged: outcome.converged)
    }

    /// Rows per piece of the twins computed before the first batch (`allTwins`).
    static let twinPieceRows = 4096

    /// Twins of every row from its latent coordinates: ((rows · levels) x columns),
    /// computed in consecutive pieces of at most `twinPieceRows` rows on up to `threads`
    /// threads (a partition fixed by the row count: the same bits for any thread count).
    static func allTwins(_ latent: Matrix, space: LatentSpace, threads: Int = 1) throws -> Matrix {
        let ranges = ParallelPieces.pieceRanges(latent.rows, pieceSize: twinPieceRows)
        guard ranges.count > 1 else { return try twins(of: latent, space: space) }
        let parts = try ParallelPieces.map(ranges.count, threads: threads) { p in
            try twins(of: latent.gatherRows(Array(ranges[p])), space: space)
        }
        return Matrix(stackingRowsOf: parts, cols: parts[0].cols)
    }

    /// The twins of one piece of rows (see `allTwins`).
    private static func twins(of latent: Matrix, space: LatentSpace) throws -> Matrix {
        let count = try checkedProduct(latent.rows, space.levelCount, what: "twins")
        let levels = (0..<count).map { $0 % space.levelCount }
        return try space.decode(space.settingLevels(latent.gatherRows((0..<count).map { $0 / space.levelCount }),
                                                    levels: levels), levels: levels)
    }

    private static func step(_ parameters: inout [Double], gradient: [Double], optimiser: inout Adam,
                             configuration: TrainingConfiguration) {
        switch configuration.optimizer {
        case .adam:
            optimiser.update(&parameters, gradient: gradient)
        case .sgd:
            for i in parameters.indices {
                parameters[i] -= configuration.learningRate * (gradient[i] + configuration.weightDecay * parameters[i])
            }
        case .newton:
            break  // trained by `trainNewton`, never by minibatch steps
        }
    }

    /// Mean BCE of `model` on a data set (weighted by `weights` when given: Σ w ℓ / Σ w,
    /// NaN when the weights sum to 0).
    public static func meanCrossEntropy(_ model: MultilayerPerceptron, x: Matrix, labels: [Double],
                                        weights: [Double]? = nil) -> Double {
        let losses = zip(model(x).storage, labels).map { BinaryCrossEntropy.loss(logit: $0, label: $1) }
        guard let weights else { return losses.reduce(0, +) / Double(max(x.rows, 1)) }
        return zip(losses, weights).reduce(0) { $0 + $1.0 * $1.1 } / weights.reduce(0, +)
    }
}
