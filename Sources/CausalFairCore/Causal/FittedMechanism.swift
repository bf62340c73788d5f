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
        switch self {
        case .linear(let f): return (f.inputGradient(cotangent), cotangent)
        case .mlp(let f): return (f.inputGradient(at: parents, cotangent: cotangent), cotangent)
        case .expression(let m): return m.vectorJacobianProduct(parents: parents, noise: noise, cotangent: cotangent)
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

    /// Number of parameters a mechanism of this specification has.
    public static func parameterCount(_ specification: MechanismSpecification, inputs: Int, outputs: Int) -> Int {
        switch specification {
        case .root, .expression: return 0
        case .linear: return LinearMechanism.parameterCount(inputs: inputs, outputs: outputs)
        case .mlp(let hidden, _, _, _, _):
            return MultilayerPerceptron.parameterCount(widths: [inputs] + hidden + [outputs])
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
