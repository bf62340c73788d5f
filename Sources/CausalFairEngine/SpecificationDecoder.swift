import CausalFairABI
import CausalFairCore

/// Reads the node specifications of `cf_scm_new` (`cf_node_spec`, `causalfair.h`),
/// checking every code, size and pointer; a malformed spec gives `invalidArgument`
/// naming the node and field, never a trap.
struct SpecificationDecoder {
    private let nodes: UnsafeBufferPointer<cf_node_spec>

    /// `count` specifications at `pointer`; throws for NULL, a negative count or more
    /// than `EngineLimits.nodes`.
    init(_ pointer: UnsafePointer<cf_node_spec>?, count: Int64) throws {
        guard count >= 1, count <= Int64(EngineLimits.nodes) else {
            throw CausalFairError.invalidArgument("n_nodes: expected an int in [1, \(EngineLimits.nodes)], got \(count)")
        }
        guard let pointer else { throw CausalFairError.invalidArgument("nodes: expected \(count) specs, got NULL") }
        nodes = UnsafeBufferPointer(start: pointer, count: Int(count))
    }

    /// Decodes every node.
    func decode() throws -> [NodeSpecification] {
        try nodes.enumerated().map { try decodeNode($0.offset, $0.element) }
    }

    private func decodeNode(_ index: Int, _ spec: cf_node_spec) throws -> NodeSpecification {
        let field = FieldReader(node: index)
        let width = try field.int(spec.width, in: 1...EngineLimits.nodeWidth, "width")
        let kind: NodeKind
        switch try field.code(spec.kind, below: CF_NODE_COUNT, "kind") {
        case CF_NODE_CONTINUOUS: kind = .continuous
        case CF_NODE_BINARY: kind = .binary
        default: kind = .categorical(levels: width)
        }
        guard kind.width == width else {
            throw CausalFairError.invalidArgument("node \(index): width \(width) does not fit its kind")
        }
        let parents = try field.array(spec.parents, count: spec.n_parents, limit: EngineLimits.nodes, "parents")
            .map { try field.int($0, in: 0...Int(Int32.max), "parent") }
        let mechanism: MechanismSpecification
        switch try field.code(spec.mechanism, below: CF_MECHANISM_COUNT, "mechanism") {
        case CF_MECHANISM_ROOT: mechanism = .root
        case CF_MECHANISM_LINEAR: mechanism = .linear(ridge: spec.ridge)
        case CF_MECHANISM_MLP:
            let hidden = try field.array(spec.hidden, count: spec.n_hidden, limit: EngineLimits.mechanismHiddenLayers,
                                         "hidden").map { try field.int($0, in: 1...EngineLimits.mechanismHiddenWidth, "hidden size") }
            mechanism = .mlp(hidden: hidden, activation: .tanh,
                             epochs: try field.int(spec.epochs, in: 0...StructuralCausalModel.maximumMechanismEpochs, "epochs"),
                             batchSize: try field.int(spec.batch_size, in: 1...Int(Int32.max), "batch_size"),
                             learningRate: spec.learning_rate)
        default:
            let program = try field.array(spec.program, count: spec.n_program, limit: EngineLimits.programLength, "program")
                .map { try operation($0, field) }
            let outerKind: OuterFunction.Kind
            switch try field.code(spec.outer, below: CF_OUTER_COUNT, "outer") {
            case CF_OUTER_IDENTITY: outerKind = .identity
            case CF_OUTER_SIGMOID: outerKind = .sigmoid
            case CF_OUTER_TANH: outerKind = .tanh
            default: outerKind = .exp
            }
            mechanism = .expression(try Expression(program: program, inputCount: Int(Int32.max)),
                                    outer: try OuterFunction(kind: outerKind, offset: spec.offset, scale: spec.scale))
        }
        let noise: NoiseDistribution
        switch try field.code(spec.noise, below: CF_NOISE_COUNT, "noise") {
        case CF_NOISE_EMPIRICAL: noise = .empirical
        case CF_NOISE_NORMAL: noise = .normal(loc: spec.noise_loc, scale: spec.noise_scale)
        case CF_NOISE_GAMMA: noise = .gamma(shape: spec.noise_shape, scale: spec.noise_scale, loc: spec.noise_loc)
        default: noise = .bernoulli(p: spec.noise_p)
        }
        return NodeSpecification(kind: kind, parents: parents,
                                 isSensitive: try field.flag(spec.sensitive, "sensitive"),
                                 isImmutable: try field.flag(spec.immutable, "immutable"),
                                 mechanism: mechanism, noise: noise,
                                 discrete: try field.code(spec.discrete, below: CF_DISCRETE_COUNT, "discrete")
                                     == CF_DISCRETE_GUMBEL ? .gumbelMax : .additiveNoise)
    }

    /// One `cf_expression_op`.
    private func operation(_ op: cf_expression_op, _ field: FieldReader) throws -> Expression.Operation {
        switch try field.code(op.op, below: CF_OP_COUNT, "program operation") {
        case CF_OP_INPUT: return .input(try field.int(Int64(op.argument), in: 0...Int(Int32.max), "input"))
        case CF_OP_CONSTANT: return .constant(op.constant)
        case CF_OP_ADD: return .add
        case CF_OP_SUBTRACT: return .subtract
        case CF_OP_MULTIPLY: return .multiply
        case CF_OP_DIVIDE: return .divide
        case CF_OP_NEGATE: return .negate
        case CF_OP_SQUARE: return .square
        case CF_OP_RELU: return .relu
        case CF_OP_SIGMOID: return .sigmoid
        case CF_OP_TANH: return .tanh
        case CF_OP_EXP: return .exp
        case CF_OP_LOG: return .log
        default: return .power(try field.int(Int64(op.argument), in: 0...Expression.maximumPower, "power"))
        }
    }
}

/// Checked reads of one node's fields; errors name the node and the field.
private struct FieldReader {
    let node: Int

    func int(_ value: Int64, in range: ClosedRange<Int>, _ name: String) throws -> Int {
        guard value >= Int64(range.lowerBound), value <= Int64(range.upperBound) else {
            throw CausalFairError.invalidArgument(
                "node \(node): \(name): expected an int in [\(range.lowerBound), \(range.upperBound)], got \(value)")
        }
        return Int(value)
    }

    /// A code of the enum whose `*_COUNT` is `count`, returned as the C constant's type.
    func code(_ value: Int32, below count: Int, _ name: String) throws -> Int {
        try int(Int64(value), in: 0...(count - 1), name)
    }

    func flag(_ value: Int32, _ name: String) throws -> Bool {
        try int(Int64(value), in: 0...1, name) == 1
    }

    func array<T>(_ pointer: UnsafePointer<T>?, count: Int64, limit: Int, _ name: String) throws -> [T] {
        _ = try int(count, in: 0...limit, "n_\(name)")
        return try Buffers.array(pointer, count: count, name: "node \(node): \(name)")
    }
}
