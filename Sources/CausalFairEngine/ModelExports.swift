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
        guard sizes.count >= 2, sizes.allSatisfy({ $0 >= 1 && $0 <= 1_000_000 }), sizes.last == 1 else {
            throw CausalFairError.invalidArgument("widths must be [inputs, hidden..., 1] with sizes in 1...1000000, got \(sizes)")
        }
        guard let kind = Activation(rawValue: Int(activation)) else {
            throw CausalFairError.invalidArgument("activation must be 0 (tanh) or 1 (relu), got \(activation)")
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
        try Buffers.write(model.inputGradientPass(model.forwardPass(input)).gradient.storage, to: out, length: outLength)
    }
}

/// Decodes the training configuration arrays of `cf_model_train`.
private func trainingConfiguration(_ ints: [Int64], _ doubles: [Double], seed: UInt64) throws -> TrainingConfiguration {
    guard ints.count == 8, doubles.count == 12 else {
        throw CausalFairError.invalidArgument("training configuration needs 8 integers and 12 doubles")
    }
    guard let objective = Objective(rawValue: Int(clamping: ints[0])) else {
        throw CausalFairError.invalidArgument("unknown objective \(ints[0])")
    }
    guard let optimizer = OptimizerKind(rawValue: Int(clamping: ints[3])) else {
        throw CausalFairError.invalidArgument("unknown optimizer \(ints[3])")
    }
    var configuration = TrainingConfiguration()
    configuration.objective = objective
    configuration.epochs = Int(clamping: ints[1])
    configuration.batchSize = Int(clamping: ints[2])
    configuration.optimizer = optimizer
    configuration.patience = Int(clamping: ints[4])
    configuration.steps = Int(clamping: ints[5])
    configuration.samples = Int(clamping: ints[6])
    configuration.exactWhenLinear = ints[7] != 0
    configuration.learningRate = doubles[0]
    configuration.weightDecay = doubles[1]
    configuration.validationFraction = doubles[2]
    configuration.radius = doubles[3]
    configuration.epsilon = doubles[4]
    configuration.stepSize = doubles[5]
    configuration.innerLearningRate = doubles[6]
    configuration.lambda = doubles[7]
    configuration.mu = doubles[8]
    configuration.nu = doubles[9]
    configuration.twinPenalty = doubles[10]
    configuration.tolerance = doubles[11]
    configuration.seed = seed
    try configuration.validate()
    return configuration
}

@_cdecl("cf_model_train")
public func cf_model_train(_ handle: UnsafeMutableRawPointer?, _ scmHandle: UnsafeMutableRawPointer?,
                           _ x: UnsafePointer<Double>?, _ rows: Int64, _ cols: Int64,
                           _ labels: UnsafePointer<Double>?, _ labelCount: Int64,
                           _ configInts: UnsafePointer<Int64>?, _ intCount: Int64,
                           _ configDoubles: UnsafePointer<Double>?, _ doubleCount: Int64, _ seed: UInt64,
                           _ progress: ProgressCallback?, _ context: UnsafeMutableRawPointer?,
                           _ history: UnsafeMutablePointer<Double>?, _ historyLength: Int64,
                           _ epochsRun: UnsafeMutablePointer<Int64>?, _ converged: UnsafeMutablePointer<Int32>?,
                           _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let box = try Handles.model(handle)
        let scm = try scmHandle.map { try Handles.scm($0).model }
        let configuration = try trainingConfiguration(
            try Buffers.array(configInts, count: intCount, name: "config_ints"),
            try Buffers.array(configDoubles, count: doubleCount, name: "config_doubles"), seed: seed)
        guard historyLength == Int64(configuration.epochs) * 2 else {
            throw CausalFairError.invalidArgument("history has \(historyLength) elements, expected \(configuration.epochs * 2)")
        }
        let result = try Trainer.train(
            box.model, x: try Buffers.matrix(x, rows: rows, cols: cols, name: "X"),
            labels: try Buffers.array(labels, count: labelCount, name: "y"), scm: scm,
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
                             _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                             _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let threshold = try Threshold.maximisingMCC(
            probabilities: try Buffers.array(probabilities, count: count, name: "probabilities"),
            labels: try Buffers.array(labels, count: count, name: "labels"))
        try Buffers.write([threshold], to: out, length: outLength)
    }
}
