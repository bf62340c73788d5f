import CausalFairABI
import CausalFairCore

// The model and training functions of the C ABI.

public typealias ProgressCallback = @convention(c) (
    UnsafeMutableRawPointer?, Int64, Int64, Int64, Int64, Double, Double) -> Int32

@_cdecl("cf_model_new")
public func cf_model_new(_ widths: UnsafePointer<Int64>?, _ widthCount: Int64, _ activation: Int32, _ seed: UInt64,
                         _ outHandle: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                         _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        guard let outHandle else { throw CausalFairError.invalidArgument("out_handle is NULL") }
        let sizes = try Buffers.array(widths, count: widthCount, name: "widths")
        let largest = EngineLimits.layerWidth
        guard sizes.count >= 2, sizes.allSatisfy({ $0 >= 1 && $0 <= Int64(largest) }), sizes.last == 1 else {
            throw CausalFairError.invalidArgument(
                "widths: expected [inputs, hidden..., 1] with sizes in [1, \(largest)], got \(sizes)")
        }
        let kind: Activation
        switch Int(activation) {
        case CF_ACTIVATION_TANH: kind = .tanh
        case CF_ACTIVATION_RELU: kind = .relu
        default:
            throw CausalFairError.invalidArgument(
                "activation: expected a code in [0, \(CF_ACTIVATION_COUNT - 1)] (CF_ACTIVATION_*), got \(activation)")
        }
        let layers = sizes.map { Int($0) }
        _ = try MultilayerPerceptron.checkedParameterCount(widths: layers)
        var generator = Xoshiro256StarStar(seed: seed)
        outHandle.pointee = Handles.retain(ModelBox(MultilayerPerceptron(widths: layers, activation: kind,
                                                                         generator: &generator)))
    }
}

@_cdecl("cf_model_free")
public func cf_model_free(_ handle: UnsafeMutableRawPointer?) {
    guard Handles.object(handle) is ModelBox else { return }
    Handles.release(handle)
}

@_cdecl("cf_model_info")
public func cf_model_info(_ handle: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<Int64>?, _ outLength: Int64,
                          _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let model = try Handles.model(handle).model
        let info = [model.widths[0], model.parameters.count, model.widths.count, model.activation.rawValue]
        try Buffers.write(info.map { Int64($0) }, to: out, length: outLength)
    }
}

@_cdecl("cf_model_widths")
public func cf_model_widths(_ handle: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<Int64>?, _ outLength: Int64,
                            _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        try Buffers.write(try Handles.model(handle).model.widths.map { Int64($0) }, to: out, length: outLength)
    }
}

@_cdecl("cf_model_input_limit")
public func cf_model_input_limit(_ handle: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<Double>?,
                                 _ outLength: Int64, _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        try Buffers.write([try Handles.model(handle).model.inputLimit], to: out, length: outLength)
    }
}

@_cdecl("cf_model_get_parameters")
public func cf_model_get_parameters(_ handle: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<Double>?,
                                    _ outLength: Int64, _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        try Buffers.write(try Handles.model(handle).model.parameters, to: out, length: outLength)
    }
}

@_cdecl("cf_model_set_parameters")
public func cf_model_set_parameters(_ handle: UnsafeMutableRawPointer?, _ parameters: UnsafePointer<Double>?,
                                    _ count: Int64, _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let box = try Handles.model(handle)
        let values = try Buffers.array(parameters, count: count, name: "parameters")
        guard values.allSatisfy({ $0.isFinite }) else { throw CausalFairError.invalidArgument("parameters must be finite") }
        box.model = try MultilayerPerceptron(widths: box.model.widths, activation: box.model.activation, parameters: values)
    }
}

/// Shared checks of a model evaluated on x.
private func modelInputs(_ handle: UnsafeMutableRawPointer?, _ x: UnsafePointer<Double>?, _ rows: Int64,
                         _ cols: Int64) throws -> (MultilayerPerceptron, Matrix) {
    let model = try Handles.model(handle).model
    let input = try Buffers.matrix(x, rows: rows, cols: cols, name: "X")
    guard input.cols == model.widths[0] else {
        throw CausalFairError.invalidArgument("X has \(input.cols) columns, the model takes \(model.widths[0])")
    }
    guard input.isFinite else { throw CausalFairError.invalidArgument("X contains NaN or infinity") }
    return (model, input)
}

@_cdecl("cf_model_logits")
public func cf_model_logits(_ handle: UnsafeMutableRawPointer?, _ x: UnsafePointer<Double>?, _ rows: Int64,
                            _ cols: Int64, _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                            _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let (model, input) = try modelInputs(handle, x, rows, cols)
        try Buffers.write(model(input).storage, to: out, length: outLength)
    }
}

@_cdecl("cf_model_input_gradient")
public func cf_model_input_gradient(_ handle: UnsafeMutableRawPointer?, _ x: UnsafePointer<Double>?, _ rows: Int64,
                                    _ cols: Int64, _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                                    _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let (model, input) = try modelInputs(handle, x, rows, cols)
        try Buffers.write(model.logitInputGradient(model.forwardPass(input)).storage, to: out, length: outLength)
    }
}

/// The core's configuration from a `cf_training_config`, checked (`TrainingConfiguration.validate`).
private func trainingConfiguration(_ config: cf_training_config, seed: UInt64) throws -> TrainingConfiguration {
    var configuration = TrainingConfiguration()
    switch Int(config.objective) {
    case CF_OBJECTIVE_ERM: configuration.objective = .erm
    case CF_OBJECTIVE_AL: configuration.objective = .al
    case CF_OBJECTIVE_CAL: configuration.objective = .cal
    case CF_OBJECTIVE_LLR: configuration.objective = .llr
    case CF_OBJECTIVE_CAPIFY: configuration.objective = .capify
    case CF_OBJECTIVE_CAUSAL_AT: configuration.objective = .causalAT
    case CF_OBJECTIVE_TRADES: configuration.objective = .trades
    case CF_OBJECTIVE_ROSS: configuration.objective = .ross
    case CF_OBJECTIVE_SENSEI: configuration.objective = .sensei
    default:
        throw CausalFairError.invalidArgument(
            "objective: expected a code in [0, \(CF_OBJECTIVE_COUNT - 1)] (CF_OBJECTIVE_*), got \(config.objective)")
    }
    switch Int(config.optimizer) {
    case CF_OPTIMIZER_ADAM: configuration.optimizer = .adam
    case CF_OPTIMIZER_SGD: configuration.optimizer = .sgd
    case CF_OPTIMIZER_NEWTON: configuration.optimizer = .newton
    default:
        throw CausalFairError.invalidArgument(
            "optimizer: expected a code in [0, \(CF_OPTIMIZER_COUNT - 1)] (CF_OPTIMIZER_*), got \(config.optimizer)")
    }
    configuration.epochs = Int(clamping: config.epochs)
    configuration.batchSize = Int(clamping: config.batch_size)
    configuration.patience = Int(clamping: config.patience)
    configuration.steps = Int(clamping: config.steps)
    configuration.samples = Int(clamping: config.n_samples)
    configuration.exactWhenLinear = config.exact_when_linear != 0
    configuration.learningRate = config.learning_rate
    configuration.weightDecay = config.weight_decay
    configuration.validationFraction = config.validation_fraction
    configuration.radius = config.radius
    configuration.epsilon = config.epsilon
    configuration.stepSize = config.step_size
    configuration.innerLearningRate = config.inner_learning_rate
    configuration.lambda = config.lambda
    configuration.mu = config.mu
    configuration.nu = config.nu
    configuration.twinPenalty = config.twin_penalty
    configuration.tolerance = config.tol
    configuration.beta = config.beta
    configuration.threads = Int(clamping: config.n_threads)
    configuration.actionableColumns = try Buffers.array(config.actionable, count: config.n_actionable,
                                                        name: "actionable").map { Int(clamping: $0) }
    if config.dp != 0 {
        configuration.privacy = DifferentialPrivacy(noiseMultiplier: config.noise_multiplier,
                                                    maxGradNorm: config.max_grad_norm)
    }
    configuration.seed = seed
    try configuration.validate()
    return configuration
}

@_cdecl("cf_model_train")
public func cf_model_train(_ handle: UnsafeMutableRawPointer?, _ scmHandle: UnsafeMutableRawPointer?,
                           _ x: UnsafePointer<Double>?, _ rows: Int64, _ cols: Int64,
                           _ labels: UnsafePointer<Double>?, _ labelCount: Int64,
                           _ sampleWeight: UnsafePointer<Double>?, _ weightCount: Int64,
                           _ config: UnsafePointer<cf_training_config>?, _ seed: UInt64,
                           _ progress: ProgressCallback?, _ context: UnsafeMutableRawPointer?,
                           _ history: UnsafeMutablePointer<Double>?, _ historyLength: Int64,
                           _ epochsRun: UnsafeMutablePointer<Int64>?, _ converged: UnsafeMutablePointer<Int32>?,
                           _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let box = try Handles.model(handle)
        let scm = try scmHandle.map { try Handles.scm($0).model }
        guard let config else { throw CausalFairError.invalidArgument("config: expected a cf_training_config, got NULL") }
        let configuration = try trainingConfiguration(config.pointee, seed: seed)
        guard historyLength == Int64(configuration.epochs) * 2 else {
            throw CausalFairError.invalidArgument("history has \(historyLength) elements, expected \(configuration.epochs * 2)")
        }
        let result = try Trainer.train(
            box.model, x: try Buffers.matrix(x, rows: rows, cols: cols, name: "X"),
            labels: try Buffers.array(labels, count: labelCount, name: "y"),
            sampleWeights: sampleWeight == nil && weightCount == 0
                ? nil : try Buffers.array(sampleWeight, count: weightCount, name: "sample_weight"),
            scm: scm,
            configuration: configuration) { report in
                guard let progress else { return true }
                return progress(context, Int64(report.epoch), Int64(report.epochs), Int64(report.batch),
                                Int64(report.batches), report.loss, report.validationLoss) == 0
            }
        var flat = [Double](repeating: .nan, count: configuration.epochs * 2)
        for (epoch, loss) in result.trainingLosses.enumerated() {
            flat[2 * epoch] = loss
            flat[2 * epoch + 1] = result.validationLosses[epoch]
        }
        try Buffers.write(flat, to: history, length: historyLength, name: "history")
        epochsRun?.pointee = Int64(result.trainingLosses.count)
        converged?.pointee = result.converged.map { $0 ? 1 : 0 } ?? -1
        box.model = result.model
    }
}

@_cdecl("cf_threshold_mcc")
public func cf_threshold_mcc(_ probabilities: UnsafePointer<Double>?, _ labels: UnsafePointer<Double>?, _ count: Int64,
                             _ sampleWeight: UnsafePointer<Double>?, _ weightCount: Int64,
                             _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                             _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let threshold = try Threshold.maximisingMCC(
            probabilities: try Buffers.array(probabilities, count: count, name: "probabilities"),
            labels: try Buffers.array(labels, count: count, name: "labels"),
            sampleWeights: sampleWeight == nil && weightCount == 0
                ? nil : try Buffers.array(sampleWeight, count: weightCount, name: "sample_weight"))
        try Buffers.write([threshold], to: out, length: outLength)
    }
}
