/// A scalar function of a node's parent columns, written as a postfix program: the
/// exact mechanisms of reference SCMs (e.g. X2 = S − X1² or σ(0.1·A)).
///
/// Evaluation is vectorised over rows (a stack of columns); `inputGradient` is the
/// reverse-mode derivative of the program, exact for every operation (ReLU's
/// derivative at 0 is taken as 0, `log` and `divide` follow IEEE arithmetic).
public struct Expression: Sendable, Equatable {
    /// One instruction of the program.
    public enum Operation: Sendable, Equatable {
        /// Push input column `index`.
        case input(Int)
        /// Push a constant.
        case constant(Double)
        /// Pop b, a; push a + b, a − b, a · b, a / b.
        case add, subtract, multiply, divide
        /// Pop a; push −a, a², max(a, 0), σ(a), tanh a, eᵃ, log a, aⁿ (n ≥ 0).
        case negate, square, relu, sigmoid, tanh, exp, log
        /// Pop a; push a raised to a non-negative integer power.
        case power(Int)

        var arity: Int {
            switch self {
            case .input, .constant: return 0
            case .add, .subtract, .multiply, .divide: return 2
            default: return 1
            }
        }
    }

    /// The instructions, in order.
    public let program: [Operation]

    /// Whether the program is an affine function of its inputs (constant gradient):
    /// found by tracking each stack value's degree — constant, affine, or beyond —
    /// through the program. Exact for what it accepts (sums, differences, products
    /// and quotients with a constant, negation, functions of constants) and
    /// conservative otherwise: a product of two inputs, or any non-linear function of
    /// an input, makes it non-affine even where terms would cancel.
    public var isAffine: Bool {
        enum Degree: Int, Comparable {
            case constant = 0, affine = 1, beyond = 2
            static func < (a: Degree, b: Degree) -> Bool { a.rawValue < b.rawValue }
        }
        var stack: [Degree] = []
        for operation in program {
            switch operation {
            case .input: stack.append(.affine)
            case .constant: stack.append(.constant)
            case .add, .subtract, .multiply, .divide:
                guard let b = stack.popLast(), let a = stack.popLast() else { return false }
                switch operation {
                case .add, .subtract: stack.append(max(a, b))
                case .multiply: stack.append(a == .constant || b == .constant ? max(a, b) : .beyond)
                default: stack.append(b == .constant ? a : .beyond)
                }
            case .negate:
                guard let a = stack.popLast() else { return false }
                stack.append(a)
            case .power(let n) where n == 1:
                guard let a = stack.popLast() else { return false }
                stack.append(a)
            case .power(let n) where n == 0:
                guard stack.popLast() != nil else { return false }
                stack.append(.constant)
            default:  // square, relu, sigmoid, tanh, exp, log, power n ≥ 2
                guard let a = stack.popLast() else { return false }
                stack.append(a == .constant ? .constant : .beyond)
            }
        }
        return stack.count == 1 && stack[0] <= .affine
    }

    /// The largest exponent of `power`.
    public static let maximumPower = 64

    /// A program over `inputCount` inputs; throws unless it is well formed (every
    /// operation has its operands, exactly one value is left, inputs exist, powers
    /// are in 0...64).
    public init(program: [Operation], inputCount: Int) throws {
        var depth = 0
        for operation in program {
            guard depth >= operation.arity else {
                throw CausalFairError.invalidArgument("expression: \(operation) lacks operands")
            }
            depth += 1 - operation.arity
            if case .input(let index) = operation, !(0..<inputCount).contains(index) {
                throw CausalFairError.invalidArgument("expression: input \(index) does not exist (\(inputCount) inputs)")
            }
            if case .power(let n) = operation, !(0...Self.maximumPower).contains(n) {
                throw CausalFairError.invalidArgument("expression: power \(n) is not in 0...\(Self.maximumPower)")
            }
            if case .constant(let c) = operation, !c.isFinite {
                throw CausalFairError.invalidArgument("expression: constants must be finite")
            }
        }
        guard depth == 1 else {
            throw CausalFairError.invalidArgument("expression: the program leaves \(depth) values, not 1")
        }
        self.program = program
    }

    /// Every intermediate value (one column per instruction) and, per instruction,
    /// the positions of its operands among them.
    private func trace(_ inputs: Matrix) -> (values: [[Double]], operands: [[Int]]) {
        var values: [[Double]] = []
        var operands: [[Int]] = []
        var stack: [Int] = []
        for operation in program {
            let args = Array(stack.suffix(operation.arity))
            stack.removeLast(operation.arity)
            let a = args.first.map { values[$0] } ?? []
            let b = args.count == 2 ? values[args[1]] : []
            let column: [Double]
            switch operation {
            case .input(let index): column = (0..<inputs.rows).map { inputs[$0, index] }
            case .constant(let c): column = [Double](repeating: c, count: inputs.rows)
            case .add: column = zip(a, b).map { $0 + $1 }
            case .subtract: column = zip(a, b).map { $0 - $1 }
            case .multiply: column = zip(a, b).map { $0 * $1 }
            case .divide: column = zip(a, b).map { $0 / $1 }
            case .negate: column = a.map { -$0 }
            case .square: column = a.map { $0 * $0 }
            case .relu: column = a.map { max($0, 0) }
            case .sigmoid: column = a.map(CausalFairCore.sigmoid)
            case .tanh: column = a.map(hyperbolicTangent)
            case .exp: column = a.map(exponential)
            case .log: column = a.map(logarithm)
            case .power(let n): column = a.map { power($0, Double(n)) }
            }
            values.append(column)
            operands.append(args)
            stack.append(values.count - 1)
        }
        return (values, operands)
    }

    /// The value for every row of `inputs`.
    public func evaluate(_ inputs: Matrix) -> [Double] {
        trace(inputs).values.last ?? []
    }

    /// d⟨cotangent, f(inputs)⟩/d inputs, one row per row.
    public func inputGradient(_ inputs: Matrix, cotangent: [Double]) -> Matrix {
        let (values, operands) = trace(inputs)
        var adjoints = values.map { [Double](repeating: 0, count: $0.count) }
        adjoints[adjoints.count - 1] = cotangent
        var gradient = Matrix(rows: inputs.rows, cols: inputs.cols)
        for (position, operation) in program.enumerated().reversed() {
            let g = adjoints[position]
            let args = operands[position]
            func send(_ operand: Int, _ factor: (Int) -> Double) {
                for r in g.indices { adjoints[args[operand]][r] += g[r] * factor(r) }
            }
            let a = args.first.map { values[$0] } ?? []
            let b = args.count == 2 ? values[args[1]] : []
            let out = values[position]
            switch operation {
            case .input(let index): for r in g.indices { gradient[r, index] += g[r] }
            case .constant: break
            case .add: send(0) { _ in 1 }; send(1) { _ in 1 }
            case .subtract: send(0) { _ in 1 }; send(1) { _ in -1 }
            case .multiply: send(0) { b[$0] }; send(1) { a[$0] }
            case .divide: send(0) { 1 / b[$0] }; send(1) { -a[$0] / (b[$0] * b[$0]) }
            case .negate: send(0) { _ in -1 }
            case .square: send(0) { 2 * a[$0] }
            case .relu: send(0) { a[$0] > 0 ? 1 : 0 }
            case .sigmoid: send(0) { out[$0] * (1 - out[$0]) }
            case .tanh: send(0) { 1 - out[$0] * out[$0] }
            case .exp: send(0) { out[$0] }
            case .log: send(0) { 1 / a[$0] }
            case .power(let n): send(0) { n == 0 ? 0 : Double(n) * power(a[$0], Double(n - 1)) }
            }
        }
        return gradient
    }
}

/// The invertible outer function of a post-nonlinear mechanism
/// V = offset + scale · h(f(Pa) + U).
public struct OuterFunction: Sendable, Equatable {
    /// The elementwise function h.
    public enum Kind: Int, Sendable {
        /// h(t) = t.
        case identity = 0
        /// h(t) = σ(t), inverse logit.
        case sigmoid = 1
        /// h(t) = tanh t.
        case tanh = 2
        /// h(t) = eᵗ.
        case exp = 3
    }

    /// h.
    public var kind: Kind
    /// Added after h.
    public var offset: Double
    /// Multiplies h (non-zero).
    public var scale: Double

    /// The identity: an additive noise model.
    public static let identity = OuterFunction(kind: .identity, offset: 0, scale: 1, unchecked: ())

    /// An outer function; throws for a zero or non-finite scale or offset.
    public init(kind: Kind, offset: Double, scale: Double) throws {
        guard scale != 0, scale.isFinite, offset.isFinite else {
            throw CausalFairError.invalidArgument("outer function: scale must be non-zero and both finite")
        }
        self.kind = kind
        self.offset = offset
        self.scale = scale
    }

    private init(kind: Kind, offset: Double, scale: Double, unchecked: Void) {
        self.kind = kind
        self.offset = offset
        self.scale = scale
    }

    /// offset + scale · h(t).
    public func apply(_ t: Double) -> Double {
        switch kind {
        case .identity: return offset + scale * t
        case .sigmoid: return offset + scale * CausalFairCore.sigmoid(t)
        case .tanh: return offset + scale * hyperbolicTangent(t)
        case .exp: return offset + scale * exponential(t)
        }
    }

    /// The t with apply(t) = v, or nil when v is outside the range.
    public func invert(_ v: Double) -> Double? {
        let h = (v - offset) / scale
        switch kind {
        case .identity: return h
        case .sigmoid: return h > 0 && h < 1 ? logarithm(h / (1 - h)) : nil
        case .tanh: return h > -1 && h < 1 ? 0.5 * logarithm((1 + h) / (1 - h)) : nil
        case .exp: return h > 0 ? logarithm(h) : nil
        }
    }

    /// d apply / dt at t.
    public func derivative(_ t: Double) -> Double {
        switch kind {
        case .identity: return scale
        case .sigmoid: let s = CausalFairCore.sigmoid(t); return scale * s * (1 - s)
        case .tanh: let h = hyperbolicTangent(t); return scale * (1 - h * h)
        case .exp: return scale * exponential(t)
        }
    }
}

