// The loops behind `VectorMath` (CausalFairCore): tanh and the Adam update, written
// once and compiled several times: here for the baseline instruction set, and,
// inlined into `VectorKernelsAVX2` and `VectorKernelsAVX512`, for those instruction
// sets (each target's flags are in Package.swift). Swift has no per-function target
// attribute, so one module per instruction set is how one source gets several code
// generations.
//
// `@_transparent` makes the inlining mandatory, in debug builds too, so the body is
// always compiled with the flags of the module that calls it. Swift never contracts
// a * b + c into an FMA, and division and square root are correctly rounded at any
// vector width, so every variant performs the same IEEE operations in the same order
// and returns the same bits.

/// tanh of `count` doubles in place. tanh x = (e^{2|x|} − 1)/(e^{2|x|} + 1), signed,
/// with e^y = 2^k (1 + q), q = e^r − 1 by its Taylor series to r¹³ on |r| ≤ ln2/2;
/// |x| saturates at 19; NaN passes through unchanged.
@_transparent
public func tanhKernel(_ base: UnsafeMutablePointer<Double>, _ count: Int) {
    let ln2High = 0.693_147_180_369_123_816_49
    let ln2Low = 1.908_214_929_270_587_700_02e-10
    for i in 0..<count {
        let x = base[i]
        // The clamp spelled out (not `min`): inlined across modules, `min` ends up as a
        // compare and blend instead of one minpd (C's form; about 3 % at AVX-512).
        let magnitudeOfX = abs(x)
        let clamped = 19 < magnitudeOfX ? 19 : magnitudeOfX
        let y = x.isNaN ? 0 : 2 * clamped
        // Round to nearest by the 1.5·2^52 trick; the sum's low bits then hold k, so
        // 2^k comes from integer bit operations (no conversions: the loop vectorises).
        let shifted = y * 1.442_695_040_888_963_387 + 0x1.8p52
        let k = shifted - 0x1.8p52
        let r = (y - k * ln2High) - k * ln2Low
        var q = 1.0 / 6_227_020_800   // 1/13!
        q = q * r + 1.0 / 479_001_600
        q = q * r + 1.0 / 39_916_800
        q = q * r + 1.0 / 3_628_800
        q = q * r + 1.0 / 362_880
        q = q * r + 1.0 / 40_320
        q = q * r + 1.0 / 5_040
        q = q * r + 1.0 / 720
        q = q * r + 1.0 / 120
        q = q * r + 1.0 / 24
        q = q * r + 1.0 / 6
        q = q * r + 0.5
        q = q * r + 1
        q = q * r
        let twoToK = Double(bitPattern: (shifted.bitPattern &+ 1023) << 52)
        let numerator = twoToK * q + (twoToK - 1)   // e^y − 1 without cancellation at k = 0
        let magnitude = numerator / (numerator + 2)
        base[i] = x.isNaN ? x : (x < 0 ? -magnitude : magnitude)
    }
}

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

/// The tanh kernel for the baseline instruction set (SSE2 on x86-64, where
/// Package.swift asks the vectoriser for two lanes: its cost model declines this loop
/// otherwise). Never inlined: a copy inlined into a caller would lose this module's flags.
@inline(never)
public func tanhBaseline(_ base: UnsafeMutablePointer<Double>, _ count: Int) {
    tanhKernel(base, count)
}

/// The Adam kernel for the baseline instruction set. Never inlined (see `tanhBaseline`).
@inline(never)
public func adamBaseline(_ parameters: UnsafeMutablePointer<Double>, _ gradient: UnsafePointer<Double>,
                         _ first: UnsafeMutablePointer<Double>, _ second: UnsafeMutablePointer<Double>,
                         _ count: Int, _ step: AdamStep) {
    adamKernel(parameters, gradient, first, second, count, step)
}
