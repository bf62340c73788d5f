import VectorKernels
#if arch(x86_64)
import VectorKernelsAVX2
import VectorKernelsAVX512
#endif

/// Elementwise loops over arrays, each compiled for several instruction sets (the
/// `VectorKernels` modules): the activations of the networks, and the Adam update.
public enum VectorMath {
    /// tanh of every element, in place. tanh x = (e^{2x} − 1)/(e^{2x} + 1) with e^{2x}
    /// = 2^k (1 + q), q = e^r − 1 from its Taylor series to r¹³ on |r| ≤ ln2/2, on |x|
    /// (odd by construction); saturates to ±1 for |x| > 19; NaN stays NaN.
    /// Absolute error below 4e-16 against the C library (checked in tests).
    ///
    /// The loop (`tanhKernel`) is compiled for AVX-512, AVX2 and the baseline, and the
    /// fastest one this machine runs is picked once; none contracts into FMA, so every
    /// machine computes the same bits (here AVX-512 is 1.5 ns per element, AVX2 2.7, the baseline 5.6).
    public static func tanh(_ values: inout [Double]) {
        tanh(&values, variant: variant)
    }

    /// One Adam update of `parameters` (see `adamKernel`) with the moment estimates
    /// `first` and `second`, over the first `min` of the four counts elements; the
    /// same bits on every variant.
    static func adamUpdate(_ parameters: inout [Double], gradient: [Double], first: inout [Double],
                                  second: inout [Double], step: AdamStep) {
        adamUpdate(&parameters, gradient: gradient, first: &first, second: &second, step: step, variant: variant)
    }

    /// The instruction sets the kernels are compiled for.
    enum Variant: Sendable, Equatable {
        case avx512, avx2, baseline
    }

    /// The variants this machine can run, fastest first; the baseline always.
    static let supportedVariants: [Variant] = {
        var variants: [Variant] = []
        #if arch(x86_64)
        if let flags = CPUFeatures.linuxFlags() {
            // What -mavx512f and -mavx2 let the compiler use (avx512f implies avx2,
            // fma and f16c; avx2 implies avx). The kernel lists a flag only when the
            // OS saves the registers it needs.
            if ["avx512f", "avx2", "avx", "fma", "f16c"].allSatisfy(flags.contains) {
                variants.append(.avx512)
            }
            if ["avx2", "avx"].allSatisfy(flags.contains) {
                variants.append(.avx2)
            }
        }
        #endif
        variants.append(.baseline)
        return variants
    }()

    /// The variant the kernels use: the fastest this machine runs.
    static let variant: Variant = supportedVariants.first ?? .baseline

    /// tanh with a given variant, which must be in `supportedVariants` (tests).
    static func tanh(_ values: inout [Double], variant: Variant) {
        values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            switch variant {
            #if arch(x86_64)
            case .avx512: tanhAVX512(base, buffer.count)
            case .avx2: tanhAVX2(base, buffer.count)
            #else
            case .avx512, .avx2: tanhBaseline(base, buffer.count)
            #endif
            case .baseline: tanhBaseline(base, buffer.count)
            }
        }
    }

    /// `adamUpdate` with a given variant, which must be in `supportedVariants` (tests).
    static func adamUpdate(_ parameters: inout [Double], gradient: [Double], first: inout [Double],
                           second: inout [Double], step: AdamStep, variant: Variant) {
        let count = min(parameters.count, gradient.count, first.count, second.count)
        gradient.withUnsafeBufferPointer { pg in
            parameters.withUnsafeMutableBufferPointer { pp in
                first.withUnsafeMutableBufferPointer { pm in
                    second.withUnsafeMutableBufferPointer { pv in
                        guard let g = pg.baseAddress, let p = pp.baseAddress,
                              let m = pm.baseAddress, let v = pv.baseAddress else { return }
                        switch variant {
                        #if arch(x86_64)
                        case .avx512: adamAVX512(p, g, m, v, count, step)
                        case .avx2: adamAVX2(p, g, m, v, count, step)
                        #else
                        case .avx512, .avx2: adamBaseline(p, g, m, v, count, step)
                        #endif
                        case .baseline: adamBaseline(p, g, m, v, count, step)
                        }
                    }
                }
            }
        }
    }
}
