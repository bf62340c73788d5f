/// The hyperparameters of one Adam update: step size, moment decays, ε, L2 weight
/// decay, and the bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ of this step.
public struct AdamStep {
    public var learningRate, beta1, beta2, epsilon, weightDecay, correction1, correction2: Double

    /// A step with these hyperparameters.
    @inlinable
    public init(learningRate: Double, beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double,
                correction1: Double, correction2: Double) {
        (self.learningRate, self.beta1, self.beta2, self.epsilon) = (learningRate, beta1, beta2, epsilon)
        (self.weightDecay, self.correction1, self.correction2) = (weightDecay, correction1, correction2)
    }
}

/// One Adam update of `count` parameters in place, with their first and second
/// moments: g = ∇ + λθ, m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − η m̂/(√v̂ + ε)
/// with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ). The four arrays must not overlap. Its two
/// divisions and square root per element are why it is vectorised: one at a time,
/// they kept the divider busy for most of an erm minibatch.
@_transparent
public func adamKernel(_ parameters: UnsafeMutablePointer<Double>, _ gradient: UnsafePointer<Double>,
                       _ first: UnsafeMutablePointer<Double>, _ second: UnsafeMutablePointer<Double>,
                       _ count: Int, _ step: AdamStep) {
    let (beta1, beta2, epsilon, learningRate, weightDecay) =
        (step.beta1, step.beta2, step.epsilon, step.learningRate, step.weightDecay)
    let (correction1, correction2) = (step.correction1, step.correction2)
    for i in 0..<count {
        let g = gradient[i] + weightDecay * parameters[i]
        first[i] = beta1 * first[i] + (1 - beta1) * g
        second[i] = beta2 * second[i] + (1 - beta2) * g * g
        let mHat = first[i] / correction1
        let vHat = second[i] / correction2
        parameters[i] -= learningRate * mHat / (vHat.squareRoot() + epsilon)
    }
}

/// The Adam kernel for the baseline instruction set. Never inlined (see `tanhBaseline`).
@inline(never)
public func adamBaseline(_ parameters: UnsafeMutablePointer<Double>, _ gradient: UnsafePointer<Double>,
                         _ first: UnsafeMutablePointer<Double>, _ second: UnsafeMutablePointer<Double>,
                         _ count: Int, _ step: AdamStep) {
    adamKernel(parameters, gradient, first, second, count, step)
}
