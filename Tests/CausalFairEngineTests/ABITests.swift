import CausalFairABI
import CausalFairCore
import CausalFairEngine
import Testing

/// The C ABI called as C calls it: handles, settings structs, status codes, error
/// messages and output buffers (the layout and meaning are `causalfair.h`'s).
@Suite("C ABI")
struct ABITests {
    /// An error buffer of `capacity` bytes, pre-filled with 0x7f to see what is written.
    final class ErrorText {
        var bytes: [CChar]
        init(capacity: Int = 512) { bytes = [CChar](repeating: 0x7f, count: capacity) }
        var text: String { String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// Runs an ABI call with a fresh error buffer; returns its status and message.
    static func call(_ body: (UnsafeMutablePointer<CChar>, Int64) -> Int32) -> (status: Int32, message: String) {
        let err = ErrorText()
        let status = err.bytes.withUnsafeMutableBufferPointer { body($0.baseAddress!, Int64($0.count)) }
        return (status, err.text)
    }

    static var limits: cf_limits {
        var limits = cf_limits()
        let status = cf_get_limits(&limits, Int64(MemoryLayout<cf_limits>.size), nil, 0)
        precondition(status == CF_OK)
        return limits
    }

    /// A continuous root node with empirical noise.
    static func root() -> cf_node_spec {
        var node = cf_node_spec()
        node.kind = Int32(CF_NODE_CONTINUOUS)
        node.width = 1
        node.mechanism = Int32(CF_MECHANISM_ROOT)
        node.noise = Int32(CF_NOISE_EMPIRICAL)
        node.scale = 1
        return node
    }

    /// `cf_scm_new` on `nodes`, the second (if any) a linear child of the first.
    static func newSCM(_ nodes: [cf_node_spec]) -> (status: Int32, message: String, handle: UnsafeMutableRawPointer?) {
        var handle: UnsafeMutableRawPointer?
        let parents: [Int64] = [0]
        let result = parents.withUnsafeBufferPointer { parentPointer in
            var specs = nodes
            for index in specs.indices.dropFirst() where specs[index].n_parents == 1 && specs[index].parents == nil {
                specs[index].parents = parentPointer.baseAddress
            }
            return call { cf_scm_new(specs, Int64(specs.count), &handle, $0, $1) }
        }
        return (result.status, result.message, handle)
    }

    static func linearChild() -> cf_node_spec {
        var child = root()
        child.n_parents = 1
        child.mechanism = Int32(CF_MECHANISM_LINEAR)
        return child
    }

    static func newModel(_ widths: [Int64], activation: Int32 = Int32(CF_ACTIVATION_TANH))
        -> (status: Int32, message: String, handle: UnsafeMutableRawPointer?) {
        var handle: UnsafeMutableRawPointer?
        let result = call { cf_model_new(widths, Int64(widths.count), activation, 7, &handle, $0, $1) }
        return (result.status, result.message, handle)
    }

    /// The defaults of `TrainingConfiguration`, as a `cf_training_config`.
    static func config() -> cf_training_config {
        let d = TrainingConfiguration()
        return cf_training_config(
            objective: Int32(CF_OBJECTIVE_ERM), optimizer: Int32(CF_OPTIMIZER_ADAM), epochs: Int64(d.epochs),
            batch_size: Int64(d.batchSize), patience: Int64(d.patience), steps: Int64(d.steps),
            n_samples: Int64(d.samples), exact_when_linear: d.exactWhenLinear ? 1 : 0, learning_rate: d.learningRate,
            weight_decay: d.weightDecay, validation_fraction: d.validationFraction, radius: d.radius,
            epsilon: d.epsilon, step_size: d.stepSize, inner_learning_rate: d.innerLearningRate, lambda: d.lambda,
            mu: d.mu, nu: d.nu, twin_penalty: d.twinPenalty, tol: d.tolerance, dp: 0, noise_multiplier: 0,
            max_grad_norm: .infinity, beta: d.beta, n_threads: Int64(d.threads), actionable: nil, n_actionable: 0)
    }

    static let x: [Double] = (0..<40).map { Double($0 % 7) / 7 - 0.4 }  // 20 rows x 2
    static let y: [Double] = (0..<20).map { Double($0 % 2) }

    static func train(_ model: UnsafeMutableRawPointer?, _ config: cf_training_config,
                      progress: cf_progress_fn? = nil) -> (status: Int32, message: String) {
        var history = [Double](repeating: 0, count: Int(max(config.epochs, 0)) * 2)
        var ran: Int64 = 0
        var converged: Int32 = 0
        var settings = config
        return call { err, length in
            cf_model_train(model, nil, x, 20, 2, y, 20, nil, 0, &settings, 3, progress, nil, &history, Int64(history.count),
                           &ran, &converged, err, length)
        }
    }

    // ------------------------------------------------------------------ handles

    @Test("NULL and wrong-kind handles are TypeErrors, never traps")
    func handles() throws {
        let scm = Self.newSCM([Self.root()])
        let model = Self.newModel([2, 1])
        defer { cf_scm_free(scm.handle); cf_model_free(model.handle) }
        #expect(cf_handle_kind(nil) == Int32(CF_HANDLE_NONE))
        #expect(cf_handle_kind(scm.handle) == Int32(CF_HANDLE_SCM))
        #expect(cf_handle_kind(model.handle) == Int32(CF_HANDLE_MODEL))
        var info = [Int64](repeating: 0, count: 8)
        for handle in [nil, model.handle] {
            let result = Self.call { cf_scm_info(handle, &info, 8, $0, $1) }
            #expect(result.status == Int32(CF_TYPE_ERROR))
            #expect(result.message == "expected an SCM handle")
        }
        for handle in [nil, scm.handle] {
            let result = Self.call { cf_model_info(handle, &info, 4, $0, $1) }
            #expect(result.status == Int32(CF_TYPE_ERROR))
            #expect(result.message == "expected a model handle")
        }
        cf_scm_free(model.handle)  // the wrong kind: ignored
        cf_model_free(scm.handle)
        cf_scm_free(nil)
        #expect(cf_handle_kind(model.handle) == Int32(CF_HANDLE_MODEL))
    }

    // ------------------------------------------------------------- settings structs

    @Test("every code one past its enum is refused, naming the field")
    func codesOutOfRange() {
        var node = Self.root()
        node.kind = Int32(CF_NODE_COUNT)
        #expect(Self.newSCM([node]).message == "node 0: kind: expected an int in [0, \(CF_NODE_COUNT - 1)], got \(CF_NODE_COUNT)")
        node = Self.root()
        node.mechanism = Int32(CF_MECHANISM_COUNT)
        #expect(Self.newSCM([node]).message.hasPrefix("node 0: mechanism: expected an int in [0, 3]"))
        node = Self.root()
        node.noise = -1
        #expect(Self.newSCM([node]).message == "node 0: noise: expected an int in [0, 3], got -1")
        var child = Self.linearChild()
        child.mechanism = Int32(CF_MECHANISM_EXPRESSION)
        child.outer = Int32(CF_OUTER_COUNT)
        #expect(Self.newSCM([Self.root(), child]).message.hasPrefix("node 1: outer: expected an int in [0, 3]"))
        let badOp = [cf_expression_op(op: Int32(CF_OP_COUNT), argument: 0, constant: 0)]
        child.outer = Int32(CF_OUTER_IDENTITY)
        let opMessage = badOp.withUnsafeBufferPointer { ops -> String in
            var spec = child
            spec.program = ops.baseAddress
            spec.n_program = 1
            return Self.newSCM([Self.root(), spec]).message
        }
        #expect(opMessage == "node 1: program operation: expected an int in [0, 13], got 14")
        child = Self.linearChild()
        child.discrete = Int32(CF_DISCRETE_COUNT)
        #expect(Self.newSCM([Self.root(), child]).message == "node 1: discrete: expected an int in [0, 1], got 2")
        #expect(Self.newModel([2, 1], activation: Int32(CF_ACTIVATION_COUNT)).message
                == "activation: expected a code in [0, 1] (CF_ACTIVATION_*), got 2")

        let model = Self.newModel([2, 1])
        defer { cf_model_free(model.handle) }
        var config = Self.config()
        config.objective = Int32(CF_OBJECTIVE_COUNT)
        #expect(Self.train(model.handle, config).message == "objective: expected a code in [0, 8] (CF_OBJECTIVE_*), got 9")
        config = Self.config()
        config.optimizer = -1
        #expect(Self.train(model.handle, config).message == "optimizer: expected a code in [0, 2] (CF_OPTIMIZER_*), got -1")
        #expect(Self.audit(model.handle, method: Int32(CF_AUDIT_COUNT)).message
                == "method: expected a code in [0, 2] (CF_AUDIT_*), got 3")
        let negativeFirstRow = Self.audit(model.handle, method: Int32(CF_AUDIT_SAMPLE), firstRow: -1)
        #expect(negativeFirstRow.status == Int32(CF_VALUE_ERROR) && negativeFirstRow.message.contains("first_row"))
        for draws in [Int64(0), Self.limits.max_draws + 1] {
            #expect(Self.audit(model.handle, method: Int32(CF_AUDIT_SAMPLE), draws: draws).message
                    == "n_draws: expected an int in [1, \(Self.limits.max_draws)], got \(draws)")
        }
        for threads in [Int64(-1), Int64(ParallelPieces.maximumThreads) + 1] {
            config = Self.config()
            config.n_threads = threads
            #expect(Self.train(model.handle, config).message
                    == "n_threads: expected an int in [0, 1024] (0: every available core), got \(threads)")
            #expect(Self.audit(model.handle, method: Int32(CF_AUDIT_SAMPLE), threads: threads).message
                    == "n_threads: expected an int in [0, 1024] (0: every available core), got \(threads)")
        }
    }

    static func audit(_ model: UnsafeMutableRawPointer?, method: Int32, samples: Int64 = 1, steps: Int64 = 1,
                      restarts: Int64 = 1, firstRow: Int64 = 0, draws: Int64 = 1,
                      threads: Int64 = 0) -> (status: Int32, message: String) {
        var options = cf_audit_options(method: method, factual_only: 0, logit_threshold: 0, radius: 0.1,
                                       n_samples: samples, steps: steps, restarts: restarts, step_size: 0,
                                       first_row: firstRow, n_draws: draws, posterior_seed: 0, n_threads: threads)
        var flags = [Int64](repeating: 0, count: 20), levels = flags
        var witnesses = [Double](repeating: 0, count: 40)
        return call { cf_audit(model, nil, x, 20, 2, &options, 0, nil, nil, &flags, 20, &levels, 20, &witnesses, 40, $0, $1) }
    }

    @Test("negative sizes and limits + 1 are ValueErrors naming the limit")
    func sizesAndLimits() {
        let limits = Self.limits
        var handle: UnsafeMutableRawPointer?
        let nodes = [Self.root()]
        for count in [Int64(-1), 0, limits.max_nodes + 1] {
            let result = Self.call { cf_scm_new(nodes, count, &handle, $0, $1) }
            #expect(result.status == Int32(CF_VALUE_ERROR))
            #expect(result.message == "n_nodes: expected an int in [1, \(limits.max_nodes)], got \(count)")
        }
        var child = Self.linearChild()
        child.n_parents = -1
        #expect(Self.newSCM([Self.root(), child]).message == "node 1: n_parents: expected an int in [0, 100000], got -1")
        var wide = Self.root()
        wide.kind = Int32(CF_NODE_CATEGORICAL)
        wide.width = limits.max_node_width + 1
        #expect(Self.newSCM([wide]).message.hasSuffix("[1, \(limits.max_node_width)], got \(limits.max_node_width + 1)"))
        let power = [cf_expression_op(op: Int32(CF_OP_INPUT), argument: 0, constant: 0),
                     cf_expression_op(op: Int32(CF_OP_POWER), argument: Int32(limits.max_power + 1), constant: 0)]
        let powerMessage = power.withUnsafeBufferPointer { ops -> String in
            var spec = Self.linearChild()
            spec.mechanism = Int32(CF_MECHANISM_EXPRESSION)
            spec.program = ops.baseAddress
            spec.n_program = 2
            return Self.newSCM([Self.root(), spec]).message
        }
        #expect(powerMessage == "node 1: power: expected an int in [0, \(limits.max_power)], got \(limits.max_power + 1)")
        #expect(Self.newModel([2, limits.max_layer_width + 1, 1]).status == Int32(CF_VALUE_ERROR))

        let model = Self.newModel([2, 1])
        defer { cf_model_free(model.handle) }
        var config = Self.config()
        config.steps = limits.max_training_steps + 1
        #expect(Self.train(model.handle, config).message.contains("\(limits.max_training_steps)"))
        config = Self.config()
        config.epochs = limits.max_epochs + 1
        #expect(Self.train(model.handle, config).status == Int32(CF_VALUE_ERROR))
        config = Self.config()
        config.batch_size = -5
        #expect(Self.train(model.handle, config).message == "batch_size: expected an int >= 1, got -5")
        let sample = Int32(CF_AUDIT_SAMPLE), attack = Int32(CF_AUDIT_ATTACK)
        #expect(Self.audit(model.handle, method: sample, samples: limits.max_audit_samples + 1).message
                == "n_samples: expected an int in [1, \(limits.max_audit_samples)], got \(limits.max_audit_samples + 1)")
        #expect(Self.audit(model.handle, method: attack, steps: limits.max_audit_steps + 1).message
                == "steps: expected an int in [0, \(limits.max_audit_steps)], got \(limits.max_audit_steps + 1)")
        #expect(Self.audit(model.handle, method: attack, restarts: 0).message
                == "restarts: expected an int in [1, \(limits.max_audit_restarts)], got 0")
        #expect(Self.audit(model.handle, method: sample, samples: limits.max_audit_samples).status == CF_OK)
        var scmData = [Double](repeating: 0, count: 4)
        let scm = Self.newSCM([Self.root()])
        defer { cf_scm_free(scm.handle) }
        #expect(Self.call { cf_scm_fit(scm.handle, &scmData, -1, 1, nil, 0, 0, 0, 0, 0, $0, $1) }.message == "data has a negative size")
    }

    @Test("cf_get_limits reports the core's constants and refuses a caller of another layout")
    func limitsReport() {
        let limits = Self.limits
        #expect(limits.max_elements == Int64(maximumElementCount))
        #expect(limits.max_radius == maximumRadius)
        #expect(limits.max_epochs == Int64(TrainingConfiguration.maximumEpochs))
        #expect(limits.max_training_steps == Int64(TrainingConfiguration.maximumSteps))
        #expect(limits.max_training_samples == Int64(TrainingConfiguration.maximumSamples))
        #expect(limits.max_newton_features == Int64(NewtonSolver.maximumFeatures))
        #expect(limits.max_power == Int64(Expression.maximumPower))
        #expect(limits.max_draws == Int64(StructuralCausalModel.maximumDrawCount))
        #expect(limits.max_threads == Int64(ParallelPieces.maximumThreads))
        #expect(limits.audit_sample_block == Int64(UnfairnessAudit.sampleBlock))
        var out = cf_limits()
        let result = Self.call { cf_get_limits(&out, Int64(MemoryLayout<cf_limits>.size - 8), $0, $1) }
        #expect(result.status == Int32(CF_VALUE_ERROR))
        #expect(out.max_elements == 0)  // nothing written
        #expect(Self.call { cf_get_limits(nil, 0, $0, $1) }.status == Int32(CF_VALUE_ERROR))
    }

    /// The parameters of a [2, 3, 1] tanh model trained on `x`, `y` through
    /// `cf_model_train` with `config`, and those `Trainer.train` gives from the same
    /// start with `configuration` (and the seed `train` passes, 3).
    static func trainedBothWays(_ config: cf_training_config,
                                _ configuration: TrainingConfiguration) throws -> (engine: [Double], core: [Double]) {
        let model = newModel([2, 3, 1])
        defer { cf_model_free(model.handle) }
        var parameterCount = [Int64](repeating: 0, count: 4)
        _ = call { cf_model_info(model.handle, &parameterCount, 4, $0, $1) }
        var before = [Double](repeating: 0, count: Int(parameterCount[1]))
        _ = call { cf_model_get_parameters(model.handle, &before, Int64(before.count), $0, $1) }
        #expect(train(model.handle, config).status == CF_OK)
        var after = before
        _ = call { cf_model_get_parameters(model.handle, &after, Int64(after.count), $0, $1) }
        var seeded = configuration
        seeded.seed = 3
        let start = try MultilayerPerceptron(widths: [2, 3, 1], activation: .tanh, parameters: before)
        let expected = try Trainer.train(start, x: Matrix(rows: 20, cols: 2, storage: x), labels: y,
                                         scm: nil, configuration: seeded)
        return (after, expected.model.parameters)
    }

    @Test("the training struct reaches the core as the same configuration: the same bits as Trainer.train",
          arguments: [(Int32(CF_OBJECTIVE_CAPIFY), Objective.capify), (Int32(CF_OBJECTIVE_TRADES), .trades),
                      (Int32(CF_OBJECTIVE_ROSS), .ross), (Int32(CF_OBJECTIVE_SENSEI), .sensei)])
    func trainingStructIsTheConfiguration(code: Int32, objective: Objective) throws {
        let (config, configuration) = Self.settingsAwayFromTheDefaults(code, objective)
        let trained = try Self.trainedBothWays(config, configuration)
        #expect(trained.engine.map(\.bitPattern) == trained.core.map(\.bitPattern))
    }

    /// The same settings, none at its default, as a struct and as the core's configuration.
    static func settingsAwayFromTheDefaults(_ code: Int32, _ objective: Objective)
        -> (cf_training_config, TrainingConfiguration) {
        var config = Self.config()
        config.objective = code
        config.epochs = 3
        config.batch_size = 7
        config.lambda = 0.5
        config.step_size = 0.02
        config.radius = 0.2
        config.beta = 2.5
        var configuration = TrainingConfiguration()
        configuration.objective = objective
        configuration.epochs = 3
        configuration.batchSize = 7
        configuration.lambda = 0.5
        configuration.stepSize = 0.02
        configuration.radius = 0.2
        configuration.beta = 2.5
        return (config, configuration)
    }

    @Test("beta changes what trades trains; beta < 0 is refused with the core's message")
    func tradesBeta() throws {
        var (config, configuration) = Self.settingsAwayFromTheDefaults(Int32(CF_OBJECTIVE_TRADES), .trades)
        let trained = try Self.trainedBothWays(config, configuration)
        configuration.beta = 6
        let otherBeta = try Self.trainedBothWays(config, configuration)
        #expect(trained.engine.map(\.bitPattern) != otherBeta.core.map(\.bitPattern))

        let model = Self.newModel([2, 1])
        defer { cf_model_free(model.handle) }
        config.beta = -1
        #expect(Self.train(model.handle, config).message == "beta: expected a finite number >= 0, got -1.0")
    }

    @Test("the actionable columns reach the core: ross trains the same bits as Trainer.train with them, other bits than without; a bad column is a ValueError")
    func actionableColumnsReachTheCore() throws {
        func trained(_ columns: [Int64]) -> (status: Int32, message: String, parameters: [Double], start: [Double]) {
            let model = Self.newModel([2, 3, 1])
            defer { cf_model_free(model.handle) }
            var before = [Double](repeating: 0, count: 13)
            _ = Self.call { cf_model_get_parameters(model.handle, &before, 13, $0, $1) }
            var config = Self.config()
            config.objective = Int32(CF_OBJECTIVE_ROSS)
            config.epochs = 3
            config.batch_size = 7
            config.epsilon = 0.4
            let result = columns.withUnsafeBufferPointer { pointer in
                config.actionable = pointer.baseAddress
                config.n_actionable = Int64(columns.count)
                return Self.train(model.handle, config)
            }
            var after = before
            _ = Self.call { cf_model_get_parameters(model.handle, &after, 13, $0, $1) }
            return (result.status, result.message, after, before)
        }
        let one = trained([1])
        #expect(one.status == CF_OK)
        var configuration = TrainingConfiguration()
        configuration.objective = .ross
        configuration.epochs = 3
        configuration.batchSize = 7
        configuration.epsilon = 0.4
        configuration.seed = 3
        configuration.actionableColumns = [1]
        let start = try MultilayerPerceptron(widths: [2, 3, 1], activation: .tanh, parameters: one.start)
        let expected = try Trainer.train(start, x: Matrix(rows: 20, cols: 2, storage: Self.x), labels: Self.y,
                                         scm: nil, configuration: configuration)
        #expect(one.parameters.map(\.bitPattern) == expected.model.parameters.map(\.bitPattern))
        #expect(trained([]).parameters != one.parameters)
        let bad = trained([2])
        #expect(bad.status == Int32(CF_VALUE_ERROR) && bad.message.contains("actionable"))
    }

    @Test("DP-SGD's fields reach the core: the same bits as Trainer.train with the same DifferentialPrivacy")
    func privateTrainingStructIsTheConfiguration() throws {
        let model = Self.newModel([2, 3, 1])
        defer { cf_model_free(model.handle) }
        var before = [Double](repeating: 0, count: 13)
        _ = Self.call { cf_model_get_parameters(model.handle, &before, Int64(before.count), $0, $1) }
        var config = Self.config()
        config.epochs = 3
        config.batch_size = 7
        config.dp = 1
        config.noise_multiplier = 0.7
        config.max_grad_norm = 0.5
        #expect(Self.train(model.handle, config).status == CF_OK)
        var after = before
        _ = Self.call { cf_model_get_parameters(model.handle, &after, Int64(after.count), $0, $1) }

        var configuration = TrainingConfiguration()
        configuration.epochs = 3
        configuration.batchSize = 7
        configuration.privacy = DifferentialPrivacy(noiseMultiplier: 0.7, maxGradNorm: 0.5)
        configuration.seed = 3
        let start = try MultilayerPerceptron(widths: [2, 3, 1], activation: .tanh, parameters: before)
        let expected = try Trainer.train(start, x: Matrix(rows: 20, cols: 2, storage: Self.x), labels: Self.y,
                                         scm: nil, configuration: configuration)
        #expect(after.map(\.bitPattern) == expected.model.parameters.map(\.bitPattern))
        #expect(after != before)
        // Refused settings come back as ValueErrors naming the field.
        config.max_grad_norm = .infinity
        let refused = Self.train(model.handle, config)
        #expect(refused.status == Int32(CF_VALUE_ERROR) && refused.message.contains("max_grad_norm"))
    }

    @Test("cf_graph_order: the core's order, or a cycle as parent-to-child path")
    func graphOrder() {
        func run(_ counts: [Int64], _ parents: [Int64]) -> (status: Int32, order: [Int64], cycle: [Int64]) {
            var order = [Int64](repeating: -9, count: counts.count), cycle = order
            var found: Int64 = -9
            let status = Self.call {
                cf_graph_order(counts, Int64(counts.count), parents, Int64(parents.count), &order,
                               Int64(order.count), &cycle, Int64(cycle.count), &found, $0, $1)
            }.status
            return (status, found == 0 ? order : [], Array(cycle.prefix(Int(max(found, 0)))))
        }
        // 2 <- 0, 1 <- 2, 3: the smallest ready index first
        let acyclic = run([0, 1, 1, 0], [2, 0])
        #expect(acyclic.status == CF_OK && acyclic.order == [0, 2, 1, 3] && acyclic.cycle.isEmpty)
        // 0 <- 2, 1 <- 0, 2 <- 1: the cycle 2 -> 0 -> 1 -> 2, each a parent of the next
        let cyclic = run([1, 1, 1], [2, 0, 1])
        #expect(cyclic.status == CF_OK && cyclic.order.isEmpty && cyclic.cycle.count == 3)
        for (k, node) in cyclic.cycle.enumerated() {
            let child = Int(cyclic.cycle[(k + 1) % 3])
            #expect([Int64(2), 0, 1][child] == node)  // node is the parent of the next one
        }
        #expect(run([1], [0]).cycle == [0])  // a self loop is a cycle of length 1
        #expect(run([0, 1], [5]).status == Int32(CF_KEY_ERROR))
        #expect(run([0, 2], [0, 0]).status == Int32(CF_VALUE_ERROR))
        #expect(run([0, -1], []).status == Int32(CF_VALUE_ERROR))
    }

    // --------------------------------------------------- buffers, messages, statuses

    @Test("short output buffers are refused before anything is written")
    func shortOutputs() {
        let scm = Self.newSCM([Self.root()])
        defer { cf_scm_free(scm.handle) }
        var info = [Int64](repeating: -9, count: 8)
        let result = Self.call { cf_scm_info(scm.handle, &info, 7, $0, $1) }
        #expect(result.status == Int32(CF_VALUE_ERROR))
        #expect(result.message == "out has 7 elements, expected 8")
        #expect(info == [Int64](repeating: -9, count: 8))
        #expect(Self.call { cf_scm_info(scm.handle, nil, 8, $0, $1) }.message == "out is NULL")
    }

    @Test("the message is NUL-terminated within err_len; nothing is written past it, or with err_len 0")
    func messageTruncation() {
        let model = Self.newModel([2, 1])
        defer { cf_model_free(model.handle) }
        var info = [Int64](repeating: 0, count: 4)
        for capacity in [1, 2, 9, 200] {
            let err = ErrorText(capacity: 256)
            let status = err.bytes.withUnsafeMutableBufferPointer {
                cf_scm_info(model.handle, &info, 4, $0.baseAddress, Int64(capacity))
            }
            #expect(status == Int32(CF_TYPE_ERROR))
            let full = "expected an SCM handle"
            let written = min(full.utf8.count, capacity - 1)
            #expect(err.text == String(full.prefix(written)))
            #expect(err.bytes[written] == 0)
            #expect(err.bytes[(written + 1)...].allSatisfy { $0 == 0x7f })
        }
        let untouched = ErrorText(capacity: 4)
        let status = untouched.bytes.withUnsafeMutableBufferPointer { cf_scm_info(nil, &info, 4, $0.baseAddress, 0) }
        #expect(status == Int32(CF_TYPE_ERROR))
        #expect(untouched.bytes.allSatisfy { $0 == 0x7f })
        #expect(cf_scm_info(nil, &info, 4, nil, 100) == Int32(CF_TYPE_ERROR))  // no buffer: status only
    }

    @Test("each failure kind has its documented status")
    func statuses() {
        let scm = Self.newSCM([Self.root(), Self.linearChild()])
        let model = Self.newModel([2, 1])
        defer { cf_scm_free(scm.handle); cf_model_free(model.handle) }
        #expect(scm.status == CF_OK)
        var data: [Double] = (0..<40).map { Double($0) / 10 }
        var out = [Double](repeating: 0, count: 40)
        // not fitted -> runtime error
        #expect(Self.call { cf_scm_abduct(scm.handle, &data, 20, 2, &out, 40, $0, $1) }.status == Int32(CF_RUNTIME_ERROR))
        // sample weights: a wrong count or a negative weight -> value error, before fitting
        var weights = [Double](repeating: 1, count: 20)
        let short = Self.call { cf_scm_fit(scm.handle, &data, 20, 2, &weights, 19, 0, 0, 0, 0, $0, $1) }
        #expect(short.status == Int32(CF_VALUE_ERROR) && short.message == "sample_weight has 19 values, X has 20 rows")
        weights[3] = -1
        #expect(Self.call { cf_scm_fit(scm.handle, &data, 20, 2, &weights, 20, 0, 0, 0, 0, $0, $1) }.status == Int32(CF_VALUE_ERROR))
        #expect(Self.call { cf_scm_fit(scm.handle, &data, 20, 2, nil, 0, 0, 0, 0, 0, $0, $1) }.status == CF_OK)
        // dp = 1: linear mechanisms and a bad noise setting are invalid arguments, before any fit
        let linearDP = Self.call { cf_scm_fit(scm.handle, &data, 20, 2, nil, 0, 0, 1, 1, 1, $0, $1) }
        #expect(linearDP.status == Int32(CF_VALUE_ERROR) && linearDP.message.contains("linear mechanism"))
        #expect(Self.call { cf_scm_fit(scm.handle, &data, 20, 2, nil, 0, 0, 1, -1, 1, $0, $1) }.status == Int32(CF_VALUE_ERROR))
        // unknown node -> key error
        let unknown: [Int64] = [5]
        var value: [Double] = [1]
        let key = Self.call { cf_scm_counterfactual(scm.handle, &data, 20, 2, unknown, 1, &value, 1, 1, &out, 40, $0, $1) }
        #expect(key.status == Int32(CF_KEY_ERROR))
        // too large -> memory error
        #expect(Self.call { cf_scm_sample(scm.handle, 1 << 40, nil, 0, nil, 0, 0, 0, &out, 40, $0, $1) }.status
                == Int32(CF_VALUE_ERROR))
        #expect(Self.call { cf_scm_ball(scm.handle, &data, 20, 2, 0.1, 1 << 30, 0, 0, &out, 40, $0, $1) }.status
                == Int32(CF_MEMORY_ERROR))
        // the progress callback stops -> interrupted
        let stop: cf_progress_fn = { _, _, _, _, _, _, _ in 1 }
        #expect(Self.train(model.handle, Self.config(), progress: stop).status == Int32(CF_INTERRUPTED))
        // NULL settings -> value error
        var history = [Double](repeating: 0, count: 20)
        let noConfig = Self.call {
            cf_model_train(model.handle, nil, Self.x, 20, 2, Self.y, 20, nil, 0, nil, 0, nil, nil, &history, 20, nil, nil, $0, $1)
        }
        #expect(noConfig.status == Int32(CF_VALUE_ERROR))
        #expect(noConfig.message == "config: expected a cf_training_config, got NULL")
    }

    @Test("cf_scm_abduct_at and cf_scm_intervention_gradient: cf_scm_counterfactual's rows, the model's logits, both handles and every length checked")
    func interventionGradient() {
        let scm = Self.newSCM([Self.root(), Self.linearChild()])
        let model = Self.newModel([2, 1])
        defer { cf_scm_free(scm.handle); cf_model_free(model.handle) }
        var data: [Double] = (0..<40).map { Double($0 % 9) / 4 - 1 }
        #expect(Self.call { cf_scm_fit(scm.handle, &data, 20, 2, nil, 0, 0, 0, 0, 0, $0, $1) }.status == CF_OK)
        let nodes: [Int64] = [0]
        var values: [Double] = [0.7, -0.2, 0.7]
        let labels: [Int64] = [4, 11, 4]
        let rows = labels.flatMap { [data[2 * Int($0)], data[2 * Int($0) + 1]] }
        var latent = [Double](repeating: 0, count: 6)
        #expect(Self.call { cf_scm_abduct_at(scm.handle, rows, 3, 2, labels, 3, &latent, 6, $0, $1) }.status == CF_OK)
        let wrongCount = Self.call { cf_scm_abduct_at(scm.handle, rows, 3, 2, labels, 2, &latent, 6, $0, $1) }
        #expect(wrongCount.status == Int32(CF_VALUE_ERROR) && wrongCount.message == "row labels: 2 for 3 rows")
        var counterfactuals = [Double](repeating: 0, count: 6), logits = [Double](repeating: 0, count: 3)
        var gradient = [Double](repeating: 0, count: 6)
        let ok = Self.call {
            cf_scm_intervention_gradient(scm.handle, model.handle, latent, 3, 2, nodes, 1, &values, 3, 1, 1,
                                         &counterfactuals, 6, &logits, 3, &gradient, 6, $0, $1)
        }
        #expect(ok.status == CF_OK)
        var expected = [Double](repeating: 0, count: 6)
        #expect(Self.call { cf_scm_counterfactual(scm.handle, rows, 3, 2, nodes, 1, &values, 3, 1, &expected, 6, $0, $1) }
                .status == CF_OK)
        #expect(counterfactuals == expected)
        var modelLogits = [Double](repeating: 0, count: 3)
        #expect(Self.call { cf_model_logits(model.handle, counterfactuals, 3, 2, &modelLogits, 3, $0, $1) }.status == CF_OK)
        #expect(logits == modelLogits)
        // A NULL or wrong-kind model, short outputs: refused before anything is written, nothing traps.
        for other in [nil, scm.handle] {
            let refused = Self.call {
                cf_scm_intervention_gradient(scm.handle, other, latent, 3, 2, nodes, 1, &values, 3, 1, 1,
                                             &counterfactuals, 6, &logits, 3, &gradient, 6, $0, $1)
            }
            #expect(refused.status == Int32(CF_TYPE_ERROR) && refused.message == "expected a model handle")
        }
        var untouched = [Double](repeating: -9, count: 6)
        let shortOut = Self.call {
            cf_scm_intervention_gradient(scm.handle, model.handle, latent, 3, 2, nodes, 1, &values, 3, 1, 1,
                                         &untouched, 6, &logits, 2, &gradient, 6, $0, $1)
        }
        #expect(shortOut.status == Int32(CF_VALUE_ERROR) && shortOut.message == "logits has 2 elements, expected 3")
        #expect(untouched == [Double](repeating: -9, count: 6))
    }

    @Test("cf_model_input_gradient is dg/dx by central differences of cf_model_logits")
    func modelInputGradient() {
        let model = Self.newModel([2, 5, 1])
        defer { cf_model_free(model.handle) }
        var gradient = [Double](repeating: 0, count: 40)
        #expect(Self.call { cf_model_input_gradient(model.handle, Self.x, 20, 2, &gradient, 40, $0, $1) }.status == CF_OK)
        let h = 1e-6
        for column in 0..<2 {
            var up = Self.x, down = Self.x
            for r in 0..<20 { up[2 * r + column] += h; down[2 * r + column] -= h }
            var high = [Double](repeating: 0, count: 20), low = [Double](repeating: 0, count: 20)
            #expect(Self.call { cf_model_logits(model.handle, up, 20, 2, &high, 20, $0, $1) }.status == CF_OK)
            #expect(Self.call { cf_model_logits(model.handle, down, 20, 2, &low, 20, $0, $1) }.status == CF_OK)
            for r in 0..<20 {
                let difference = (high[r] - low[r]) / (2 * h)
                #expect(abs(gradient[2 * r + column] - difference) <= 1e-8 * max(1, abs(difference)))
            }
        }
        #expect(gradient.contains { abs($0) > 1e-3 })
    }

    @Test("CF_DISCRETE_GUMBEL: the draws functions give hard codes, the row as its factual twin, n_draws checked")
    func gumbelDraws() {
        var sensitive = Self.root()
        sensitive.kind = Int32(CF_NODE_BINARY)
        sensitive.sensitive = 1
        var child = Self.linearChild()
        child.kind = Int32(CF_NODE_BINARY)
        child.discrete = Int32(CF_DISCRETE_GUMBEL)
        let scm = Self.newSCM([sensitive, child])
        defer { cf_scm_free(scm.handle) }
        #expect(scm.status == CF_OK)
        // (S, B) rows: every combination, B more often 1 when S is.
        var data = [Double](repeating: 0, count: 80)
        for r in 0..<40 {
            data[2 * r] = Double(r % 2)
            data[2 * r + 1] = r % 4 == 1 || r % 8 == 2 ? 1 : 0
        }
        #expect(Self.call { cf_scm_fit(scm.handle, &data, 40, 2, nil, 0, 0, 0, 0, 0, $0, $1) }.status == CF_OK)
        let draws = 3
        var twins = [Double](repeating: -1, count: 40 * draws * 2 * 2)
        #expect(Self.call { cf_scm_twins_draws(scm.handle, &data, 40, 2, Int64(draws), 9, &twins, Int64(twins.count), $0, $1) }
            .status == CF_OK)
        #expect(twins.allSatisfy { $0 == 0 || $0 == 1 })
        for r in 0..<40 {
            for d in 0..<draws {
                let factual = (r * draws + d) * 2 + Int(data[2 * r])
                #expect(Array(twins[(2 * factual)..<(2 * factual + 2)]) == Array(data[(2 * r)..<(2 * r + 2)]))
            }
        }
        var counterfactual = [Double](repeating: -1, count: 40 * draws * 2)
        var value: [Double] = [1]
        #expect(Self.call { cf_scm_counterfactual_draws(scm.handle, &data, 40, 2, [0], 1, &value, 1, 1, Int64(draws), 9,
                                                         &counterfactual, Int64(counterfactual.count), $0, $1) }.status == CF_OK)
        #expect(counterfactual.allSatisfy { $0 == 0 || $0 == 1 })
        let refused = Self.call { cf_scm_twins_draws(scm.handle, &data, 40, 2, 0, 9, &twins, Int64(twins.count), $0, $1) }
        #expect(refused.status == Int32(CF_VALUE_ERROR))
        #expect(refused.message == "n_draws: expected an int in [1, \(StructuralCausalModel.maximumDrawCount)], got 0")
    }
}
