// The tanh loop behind `VectorMath.tanh` (CausalFairCore), written once and compiled
// several times: here for the baseline instruction set, and, inlined into
// `TanhAVX2` and `TanhAVX512`, for those instruction sets (each target's flags are in
// Package.swift). Swift has no per-function target attribute, so one module per
// instruction set is how one source gets several code generations.
//
// `@_transparent` makes the inlining mandatory, in debug builds too, so the body is
// always compiled with the flags of the module that calls it. Swift never contracts
// a * b + c into an FMA, so every variant performs the same IEEE operations in the
// same order and returns the same bits.

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

/// The kernel for the baseline instruction set (SSE2 on x86-64, where Package.swift
/// asks the vectoriser for two lanes: its cost model declines this loop otherwise).
/// Never inlined: a copy inlined into a caller would lose this module's flags.
@inline(never)
public func tanhBaseline(_ base: UnsafeMutablePointer<Double>, _ count: Int) {
    tanhKernel(base, count)
}
