import VectorKernels
#if arch(x86_64)
import VectorKernelsAVX2
import VectorKernelsAVX512
#endif

/// Elementwise loops over arrays: the activations of the networks, the Adam update,
/// and the logistic loss and weighted Gram matrix of the Newton solver.
///
/// The loops (`VectorKernels`) are compiled for AVX-512, AVX2 and the baseline, and the
/// fastest one this machine runs is picked once; none contracts into FMA, so every
/// machine computes the same bits.
public enum VectorMath {
    /// tanh of every element, in place. tanh x = (e^{2x} − 1)/(e^{2x} + 1) with e^{2x}
    /// = 2^k (1 + q), q = e^r − 1 from its Taylor series to r¹³ on |r| ≤ ln2/2, on |x|
    /// (odd by construction); saturates to ±1 for |x| > 19; NaN stays NaN.
    /// Absolute error below 4e-16 against the C library (checked in tests); here
    /// AVX-512 takes 1.5 ns per element, AVX2 2.7, the baseline 5.6.
    public static func tanh(_ values: inout [Double]) {
        tanh(&values, variant: variant)
    }

    /// σ(g) and the binary cross-entropy log(1 + e^g) − y·g of every logit g with its
    /// label y (0 or 1), written to `probabilities` and `losses` (each as long as
    /// `logits`). Relative error of both below 1e-15 against the C library's sigmoid and
    /// softplus for |g| ≤ 708, absolute error below 1e-307 beyond (checked in tests); a
    /// NaN logit gives NaN. `labels` must have the
    /// logits' count.
    public static func logisticLoss(logits: [Double], labels: [Double],
                                    probabilities: inout [Double], losses: inout [Double]) {
        logisticLoss(logits: logits, labels: labels, probabilities: &probabilities, losses: &losses,
                     variant: variant)
    }

    /// X̃ᵀ diag(w) X̃ and X̃ᵀ v for X̃ = [X 1], X given transposed (`columns`: d x n,
    /// one row per feature), w and v of length n: the Newton solver's Hessian and
    /// gradient, in one pass over the data. Entries are sums over eight interleaved
    /// partial sums (SIMD lanes), so they differ from a sequential sum by rounding only.
    public static func weightedGram(columns: Matrix, weights: [Double], values: [Double]) -> (gram: Matrix, sums: [Double]) {
        weightedGram(columns: columns, weights: weights, values: values, variant: variant)
    }

    /// One Adam update of `parameters` (see `adamKernel`) with the moment estimates
    /// `first` and `second`, over the first `min` of the four counts elements; the
    /// same bits on every variant.
    static func adamUpdate(_ parameters: inout [Double], gradient: [Double], first: inout [Double],
                           second: inout [Double], step: AdamStep) {
        adamUpdate(&parameters, gradient: gradient, first: &first, second: &second, step: step, variant: variant)
    }

    /// The instruction sets the loops are compiled for.
    enum KernelVariant: Sendable, Equatable {
        case avx512, avx2, baseline
    }

    /// The variants this machine can run, fastest first; the baseline always.
    static let supportedVariants: [KernelVariant] = {
        var variants: [KernelVariant] = []
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

    /// The variant the loops use: the fastest this machine runs.
    static let variant: KernelVariant = supportedVariants.first ?? .baseline

    /// tanh with a given variant, which must be in `supportedVariants` (tests).
    static func tanh(_ values: inout [Double], variant: KernelVariant) {
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

    /// `logisticLoss` with a given variant, which must be in `supportedVariants` (tests).
    static func logisticLoss(logits: [Double], labels: [Double], probabilities: inout [Double],
                             losses: inout [Double], variant: KernelVariant) {
        let count = logits.count
        precondition(labels.count == count && probabilities.count == count && losses.count == count,
                     "logisticLoss: logits, labels, probabilities and losses must have one length")
        logits.withUnsafeBufferPointer { pg in
            labels.withUnsafeBufferPointer { py in
                probabilities.withUnsafeMutableBufferPointer { pp in
                    losses.withUnsafeMutableBufferPointer { pl in
                        guard let g = pg.baseAddress, let y = py.baseAddress, let p = pp.baseAddress,
                              let l = pl.baseAddress else { return }
                        switch variant {
                        #if arch(x86_64)
                        case .avx512: logisticLossAVX512(g, y, p, l, count)
                        case .avx2: logisticLossAVX2(g, y, p, l, count)
                        #else
                        case .avx512, .avx2: logisticLossBaseline(g, y, p, l, count)
                        #endif
                        case .baseline: logisticLossBaseline(g, y, p, l, count)
                        }
                    }
                }
            }
        }
    }

    /// `weightedGram` with a given variant, which must be in `supportedVariants` (tests).
    static func weightedGram(columns: Matrix, weights: [Double], values: [Double],
                             variant: KernelVariant) -> (gram: Matrix, sums: [Double]) {
        let d = columns.rows, n = columns.cols, p = d + 1
        precondition(weights.count == n && values.count == n,
                     "weightedGram: weights and values need one entry per column of `columns`")
        var gram = Matrix(rows: p, cols: p)
        var sums = [Double](repeating: 0, count: p)
        guard n > 0 else { return (gram, sums) }   // sums over no rows
        let scratch = UnsafeMutablePointer<SIMD8<Double>>.allocate(capacity: p * p + p)
        defer { scratch.deallocate() }
        columns.storage.withUnsafeBufferPointer { pc in
            weights.withUnsafeBufferPointer { pw in
                values.withUnsafeBufferPointer { pv in
                    gram.storage.withUnsafeMutableBufferPointer { pg in
                        sums.withUnsafeMutableBufferPointer { ps in
                            guard let w = pw.baseAddress, let v = pv.baseAddress, let g = pg.baseAddress,
                                  let s = ps.baseAddress else { return }
                            let x = pc.baseAddress ?? w   // no features (d = 0): never read
                            switch variant {
                            #if arch(x86_64)
                            case .avx512: weightedGramAVX512(x, d, n, w, v, g, s, scratch)
                            case .avx2: weightedGramAVX2(x, d, n, w, v, g, s, scratch)
                            #else
                            case .avx512, .avx2: weightedGramBaseline(x, d, n, w, v, g, s, scratch)
                            #endif
                            case .baseline: weightedGramBaseline(x, d, n, w, v, g, s, scratch)
                            }
                        }
                    }
                }
            }
        }
        return (gram, sums)
    }

    /// `adamUpdate` with a given variant, which must be in `supportedVariants` (tests).
    static func adamUpdate(_ parameters: inout [Double], gradient: [Double], first: inout [Double],
                           second: inout [Double], step: AdamStep, variant: KernelVariant) {
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
