import CausalFairCore

/// Reads the SCM specification arrays of `cf_scm_new` (layout in `causalfair.h`),
/// checking every bound; a malformed spec gives `invalidArgument`, never a trap.
struct SpecificationDecoder {
    private let ints: [Int64]
    private let doubles: [Double]
    private var intPosition = 0
    private var doublePosition = 0
    private var version = 1

    init(ints: [Int64], doubles: [Double]) {
        self.ints = ints
        self.doubles = doubles
    }

    /// Decodes all nodes; the whole of both arrays must be consumed.
    mutating func decode() throws -> [NodeSpecification] {
        version = try nextInt(in: 1...2, "version")
        let count = try nextInt(in: 1...100_000, "number of nodes")
        var nodes: [NodeSpecification] = []
        for index in 0..<count {
            nodes.append(try decodeNode(index))
        }
        guard intPosition == ints.count, doublePosition == doubles.count else {
            throw CausalFairError.invalidArgument("spec has trailing values")
        }
        return nodes
    }

    private mutating func decodeNode(_ index: Int) throws -> NodeSpecification {
        let kindCode = try nextInt(in: 0...2, "node \(index) kind")
        let width = try nextInt(in: 1...100_000, "node \(index) width")
        let kind: NodeKind
        switch kindCode {
        case 0: kind = .continuous
        case 1: kind = .binary
        default: kind = .categorical(levels: width)
        }
        guard kind.width == width else {
            throw CausalFairError.invalidArgument("node \(index): width \(width) does not fit its kind")
        }
        let parentCount = try nextInt(in: 0...100_000, "node \(index) parent count")
        let parents = try (0..<parentCount).map { _ in try nextInt(in: 0...Int(Int32.max), "node \(index) parent") }
        let sensitive = try nextInt(in: 0...1, "node \(index) sensitive flag") == 1
        let immutable = try nextInt(in: 0...1, "node \(index) immutable flag") == 1
        let mechanismCode = try nextInt(in: 0...(version == 1 ? 2 : 3), "node \(index) mechanism")
        let hiddenCount = try nextInt(in: 0...64, "node \(index) hidden layer count")
        let hidden = try (0..<hiddenCount).map { _ in try nextInt(in: 1...100_000, "node \(index) hidden size") }
        let epochs = try nextInt(in: 0...1_000_000, "node \(index) epochs")
        let batchSize = try nextInt(in: 0...Int(Int32.max), "node \(index) batch size")
        let noiseCode = try nextInt(in: 0...3, "node \(index) noise")
        let ridge = try nextDouble()
        let learningRate = try nextDouble()
        let a = try nextDouble(), b = try nextDouble(), c = try nextDouble()
        let (program, outer) = version == 1 ? ([], OuterFunction.identity) : try decodeExpression(index)
        let mechanism: MechanismSpecification
        switch mechanismCode {
        case 0: mechanism = .root
        case 1: mechanism = .linear(ridge: ridge)
        case 2: mechanism = .mlp(hidden: hidden, activation: .tanh, epochs: epochs, batchSize: batchSize,
                                 learningRate: learningRate)
        default: mechanism = .expression(try Expression(program: program, inputCount: Int(Int32.max)), outer: outer)
        }
        let noise: NoiseDistribution
        switch noiseCode {
        case 0: noise = .empirical
        case 1: noise = .normal(loc: a, scale: b)
        case 2: noise = .gamma(shape: a, scale: b, loc: c)
        default: noise = .bernoulli(p: a)
        }
        return NodeSpecification(kind: kind, parents: parents, isSensitive: sensitive, isImmutable: immutable,
                                 mechanism: mechanism, noise: noise)
    }

    /// Version 2: the expression program and outer function every node carries
    /// (empty and identity unless its mechanism is an expression).
    private mutating func decodeExpression(_ index: Int) throws -> ([Expression.Operation], OuterFunction) {
        let length = try nextInt(in: 0...100_000, "node \(index) program length")
        var program: [Expression.Operation] = []
        for _ in 0..<length {
            let code = try nextInt(in: 0...13, "node \(index) operation")
            switch code {
            case 0: program.append(.input(try nextInt(in: 0...Int(Int32.max), "node \(index) input")))
            case 1: program.append(.constant(try nextDouble()))
            case 13: program.append(.power(try nextInt(in: 0...64, "node \(index) power")))
            default:
                let simple: [Expression.Operation] = [.add, .subtract, .multiply, .divide, .negate, .square, .relu,
                                                      .sigmoid, .tanh, .exp, .log]
                program.append(simple[code - 2])
            }
        }
        let kind = try nextInt(in: 0...3, "node \(index) outer function")
        let offset = try nextDouble(), scale = try nextDouble()
        return (program, try OuterFunction(kind: OuterFunction.Kind(rawValue: kind) ?? .identity, offset: offset, scale: scale))
    }

    private mutating func nextInt(in range: ClosedRange<Int>, _ what: String) throws -> Int {
        guard intPosition < ints.count else { throw CausalFairError.invalidArgument("spec ends before \(what)") }
        let value = ints[intPosition]
        intPosition += 1
        guard value >= Int64(range.lowerBound), value <= Int64(range.upperBound) else {
            throw CausalFairError.invalidArgument("spec: \(what) must be in \(range), got \(value)")
        }
        return Int(value)
    }

    private mutating func nextDouble() throws -> Double {
        guard doublePosition < doubles.count else { throw CausalFairError.invalidArgument("spec has too few doubles") }
        doublePosition += 1
        return doubles[doublePosition - 1]
    }
}
