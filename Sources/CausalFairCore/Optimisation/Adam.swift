import VectorKernels

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

    /// One update of `parameters` along `gradient` (the loop is `VectorMath.adamUpdate`).
    public mutating func update(_ parameters: inout [Double], gradient: [Double]) {
        step += 1
        let adamStep = AdamStep(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                                weightDecay: weightDecay, correction1: 1 - power(beta1, Double(step)),
                                correction2: 1 - power(beta2, Double(step)))
        VectorMath.adamUpdate(&parameters, gradient: gradient, first: &firstMoment, second: &secondMoment, step: adamStep)
    }
}
