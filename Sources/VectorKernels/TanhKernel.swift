// The elementwise loops behind `VectorMath` (CausalFairCore), written once and compiled
// several times: here for the baseline instruction set, and, inlined into
// `VectorKernelsAVX2` and `VectorKernelsAVX512`, for those instruction sets (each
// target's flags are in Package.swift). Swift has no per-function target attribute, so
// one module per instruction set is how one source gets several code generations.
//
// `@_transparent` makes the inlining mandatory, in debug builds too, so the body is
// always compiled with the flags of the module that calls it. Swift never contracts
// a * b + c into an FMA, and division and square root are correctly rounded at any
// vector width, so every variant performs the same IEEE operations in the same order
// and returns the same bits.

/// tanh of `count` doubles in place. tanh x = (e^{2|x|} − 1)/(e^{2|x|} + 1), signed,
/// with e^{2|x|} from `exponentialSplit`; |x| saturates at 19; NaN passes through unchanged.
@_transparent
public func tanhKernel(_ base: UnsafeMutablePointer<Double>, _ count: Int) {
    for i in 0..<count {
        let x = base[i]
        // The clamp spelled out (not `min`): inlined across modules, `min` ends up as a
        // compare and blend instead of one minpd (C's form; about 3 % at AVX-512).
        let magnitudeOfX = abs(x)
        let clamped = 19 < magnitudeOfX ? 19 : magnitudeOfX
        let (twoToK, q) = exponentialSplit(x.isNaN ? 0 : 2 * clamped)
        let numerator = twoToK * q + (twoToK - 1)   // e^y − 1 without cancellation at k = 0
        let magnitude = numerator / (numerator + 2)
        base[i] = x.isNaN ? x : (x < 0 ? -magnitude : magnitude)
    }
}

/// The kernel for the baseline instruction set (SSE2 on x86-64, where Package.swift
/// asks the vectoriser for two lanes: its cost model declines this loop otherwise).
/// Never inlined: a copy inlined into a caller would lose this module's flags.
@inline(never)
public func tanhBaseline(_ base: UnsafeMutablePointer<Double>, _ count: Int) {
    tanhKernel(base, count)
}
