/// Hidden-layer activation functions.
public enum Activation: Int, Sendable, Equatable {
    /// Hyperbolic tangent.
    case tanh = 0
    /// Rectified linear unit, max(0, x).
    case relu = 1

    /// Applies the activation to every element, in place.
    func apply(_ values: inout [Double]) {
        switch self {
        case .tanh: VectorMath.tanh(&values)
        case .relu: for i in values.indices { values[i] = max(values[i], 0) }
        }
    }

    /// Multiplies `gradient` in place by the derivative σ'(z), given the outputs σ(z).
    func multiplyByDerivative(_ gradient: inout [Double], outputs: [Double]) {
        let count = min(gradient.count, outputs.count)
        outputs.withUnsafeBufferPointer { po in
            gradient.withUnsafeMutableBufferPointer { pg in
                guard let a = po.baseAddress, let g = pg.baseAddress else { return }
                switch self {
                case .tanh: for i in 0..<count { g[i] *= 1 - a[i] * a[i] }
                case .relu: for i in 0..<count where a[i] <= 0 { g[i] = 0 }
                }
            }
        }
    }

    /// σ''(z) given the output σ(z): −2a(1 − a²) for tanh, 0 for ReLU (almost everywhere).
    func secondDerivative(output a: Double) -> Double {
        switch self {
        case .tanh: return -2 * a * (1 - a * a)
        case .relu: return 0
        }
    }
}
