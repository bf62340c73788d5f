/// A node's fitted mechanism f in V = f(Pa) + U; roots have none.
public enum FittedMechanism: Sendable, Equatable {
    /// Linear f.
    case linear(LinearMechanism)
    /// Multilayer perceptron f.
    case mlp(MLPMechanism)

    /// f(parent columns).
    public func callAsFunction(_ inputs: Matrix) -> Matrix {
        switch self {
        case .linear(let f): return f(inputs)
        case .mlp(let f): return f(inputs)
        }
    }

    /// d<cotangent, f(x)>/dx at x = `inputs`.
    public func inputGradient(at inputs: Matrix, cotangent: Matrix) -> Matrix {
        switch self {
        case .linear(let f): return f.inputGradient(cotangent)
        case .mlp(let f): return f.inputGradient(at: inputs, cotangent: cotangent)
        }
    }

    /// Flat parameters (layout fixed by the mechanism specification).
    public var parameters: [Double] {
        switch self {
        case .linear(let f): return f.parameters
        case .mlp(let f): return f.network.parameters
        }
    }

    /// Number of parameters a mechanism of this specification has.
    public static func parameterCount(_ specification: MechanismSpecification, inputs: Int, outputs: Int) -> Int {
        switch specification {
        case .root: return 0
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
        }
    }
}
