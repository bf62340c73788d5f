/// The Adam optimiser (Kingma & Ba 2015) over a flat parameter vector, with the
/// bias-corrected moment estimates PyTorch uses and optional L2 weight decay added to
/// the gradient.
public struct Adam: Sendable {
    /// Step size.
    public var learningRate: Double
    /// Exponential decay of the first and second moment estimates.
    public var beta1 = 0.9, beta2 = 0.999
    /// Added to the square root of the second moment.
    public var epsilon = 1e-8
    /// L2 penalty coefficient added to the gradient (0: none).
    public var weightDecay: Double
    private var firstMoment: [Double]
    private var secondMoment: [Double]
    private var step = 0

    /// An optimiser for `parameterCount` parameters.
    public init(parameterCount: Int, learningRate: Double, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        firstMoment = [Double](repeating: 0, count: parameterCount)
        secondMoment = [Double](repeating: 0, count: parameterCount)
    }

    /// One update of `parameters` along `gradient`.
    public mutating func update(_ parameters: inout [Double], gradient: [Double]) {
        step += 1
        let correction1 = 1 - power(beta1, Double(step))
        let correction2 = 1 - power(beta2, Double(step))
        let (beta1, beta2, epsilon, learningRate, weightDecay) = (beta1, beta2, epsilon, learningRate, weightDecay)
        let count = min(parameters.count, gradient.count, firstMoment.count)
        gradient.withUnsafeBufferPointer { pg in
            parameters.withUnsafeMutableBufferPointer { pp in
                firstMoment.withUnsafeMutableBufferPointer { pm in
                    secondMoment.withUnsafeMutableBufferPointer { pv in
                        guard let gradient = pg.baseAddress, let parameters = pp.baseAddress,
                              let first = pm.baseAddress, let second = pv.baseAddress else { return }
                        for i in 0..<count {
                            let g = gradient[i] + weightDecay * parameters[i]
                            first[i] = beta1 * first[i] + (1 - beta1) * g
                            second[i] = beta2 * second[i] + (1 - beta2) * g * g
                            let mHat = first[i] / correction1
                            let vHat = second[i] / correction2
                            parameters[i] -= learningRate * mHat / (vHat.squareRoot() + epsilon)
                        }
                    }
                }
            }
        }
    }
}
