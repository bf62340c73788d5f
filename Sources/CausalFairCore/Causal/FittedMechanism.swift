/// A node's fitted mechanism in V = f(Pa) + U (linear or MLP f), or the exact
/// post-nonlinear V = outer(f(Pa) + U) of an expression; roots have none.
public enum FittedMechanism: Sendable, Equatable {
    /// Linear f.
    case linear(LinearMechanism)
    /// Multilayer perceptron f.
    case mlp(MLPMechanism)
    /// An exact expression, possibly post-nonlinear.
    case expression(ExpressionMechanism)

    /// The node's value from its parents' columns and its own noise.
    public func value(parents: Matrix, noise: Matrix) -> Matrix {
        switch self {
        case .linear(let f): return f(parents) + noise
        case .mlp(let f): return f(parents) + noise
        case .expression(let m): return m.value(parents: parents, noise: noise)
        }
    }

    /// The node's noise from its parents' columns and its value (abduction).
    public func noise(parents: Matrix, value: Matrix) throws -> Matrix {
        switch self {
        case .linear(let f): return value - f(parents)
        case .mlp(let f): return value - f(parents)
        case .expression(let m): return try m.noise(parents: parents, value: value)
        }
    }

    /// Cotangents of the parents' columns and of the noise, given the value's.
    public func vectorJacobianProduct(parents: Matrix, noise: Matrix, cotangent: Matrix) -> (parents: Matrix, noise: Matrix) {
        pullback(recording(parents: parents, noise: noise).tape, cotangent: cotangent)
    }

    /// What a pullback needs from the forward evaluation.
    public enum Tape {
        /// Nothing: the Jacobian is constant.
        case constant
        /// The network's layers at the parents.
        case layers([Matrix])
        /// The inputs of an expression.
        case inputs(parents: Matrix, noise: Matrix)
    }

    /// The value, and the tape its pullback reuses (no second forward pass).
    public func recording(parents: Matrix, noise: Matrix) -> (value: Matrix, tape: Tape) {
        switch self {
        case .linear(let f): return (f(parents) + noise, .constant)
        case .mlp(let f):
            let layers = f.network.forwardPass(parents)
            return (layers[layers.count - 1] + noise, .layers(layers))
        case .expression(let m): return (m.value(parents: parents, noise: noise), .inputs(parents: parents, noise: noise))
        }
    }

    /// Cotangents of the parents' columns and of the noise from a recorded evaluation.
    public func pullback(_ tape: Tape, cotangent: Matrix) -> (parents: Matrix, noise: Matrix) {
        switch (self, tape) {
        case (.mlp(let f), .layers(let layers)):
            return (f.network.inputGradient(layers, outputGradient: cotangent), cotangent)
        case (.expression(let m), .inputs(let parents, let noise)):
            return m.vectorJacobianProduct(parents: parents, noise: noise, cotangent: cotangent)
        case (.linear(let f), _):
            return (f.inputGradient(cotangent), cotangent)
        default:  // a tape from another mechanism: `recording` never produces one
            return (Matrix(rows: cotangent.rows, cols: 0), cotangent)
        }
    }

    /// Flat parameters (layout fixed by the mechanism specification; none for expressions).
    public var parameters: [Double] {
        switch self {
        case .linear(let f): return f.parameters
        case .mlp(let f): return f.network.parameters
        case .expression: return []
        }
    }

    /// Number of parameters a mechanism of this specification has; throws `tooLarge`
    /// beyond `maximumElementCount`.
    public static func parameterCount(_ specification: MechanismSpecification, inputs: Int, outputs: Int) throws -> Int {
        switch specification {
        case .root, .expression: return 0
        case .linear: return try checkedProduct(inputs + 1, outputs, what: "the linear mechanism's parameters")
        case .mlp(let hidden, _, _, _, _):
            return try MultilayerPerceptron.checkedParameterCount(widths: [inputs] + hidden + [outputs])
        }
    }

    /// Rebuilds a mechanism of this specification from flat parameters.
    public init?(_ specification: MechanismSpecification, inputs: Int, outputs: Int,
                 parameters: ArraySlice<Double>) throws {
        switch specification {
        case .root:
            return nil
        case .linear:
            self = .linear(try LinearMechanism(inputs: inputs, outputs: outputs, parameters: parameters))
        case .mlp(let hidden, let activation, _, _, _):
            let network = try MultilayerPerceptron(widths: [inputs] + hidden + [outputs], activation: activation,
                                                   parameters: Array(parameters))
            self = .mlp(MLPMechanism(network: network))
        case .expression(let expression, let outer):
            self = .expression(ExpressionMechanism(expression: expression, outer: outer))
        }
    }
}
