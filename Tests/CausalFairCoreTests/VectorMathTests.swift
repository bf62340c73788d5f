import Testing
import VectorKernels
@testable import CausalFairCore

@Suite("Vector math")
struct VectorMathTests {
    @Test("VectorMath.tanh matches the C library's tanh to 4e-16 and keeps its symmetry and limits")
    func tanhAccuracy() {
        var generator = Xoshiro256StarStar(seed: 5)
        var xs: [Double] = (0..<20_000).map { _ in 8 * generator.normal() }
        xs += [0, -0.0, 1e-300, -1e-300, 1e-12, 0.3466, 19, 19.5, 40, -40, 1e300, -1e300, .infinity, -.infinity]
        var fast = xs
        VectorMath.tanh(&fast)
        var worst = 0.0
        for (x, y) in zip(xs, fast) {
            worst = max(worst, abs(y - hyperbolicTangent(x)))
            #expect(y >= -1 && y <= 1)
        }
        #expect(worst < 4e-16)
        var symmetric = xs.map { -$0 }
        VectorMath.tanh(&symmetric)
        #expect(zip(fast, symmetric).allSatisfy { $0 == -$1 })
        var nan = [Double.nan]
        VectorMath.tanh(&nan)
        #expect(nan[0].isNaN)
    }

    @Test("Every tanh variant this machine runs gives the bits of the C kernel it replaced")
    func tanhVariantsAreBitIdentical() {
        let xs = tanhKernelInputs()
        #expect(xs.count == 31_020)
        #expect(fingerprint(xs) == 0xAE57_5099_39E8_91A5)
        // FNV-1a of the outputs of main's C kernel (cf_vector_tanh, its AVX-512, AVX2
        // and SSE2 clones alike) on these inputs, NaN payloads included.
        let cKernel: UInt64 = 0x5B71_1993_504A_5D77
        #expect(VectorMath.supportedVariants.last == .baseline)
        #expect(VectorMath.supportedVariants.first == VectorMath.variant)
        var chosen = xs
        VectorMath.tanh(&chosen)
        #expect(fingerprint(chosen) == cKernel)
        for variant in VectorMath.supportedVariants {
            var ys = xs
            VectorMath.tanh(&ys, variant: variant)
            #expect(fingerprint(ys) == cKernel, "variant \(variant)")
            #expect(zip(ys, chosen).allSatisfy { $0.bitPattern == $1.bitPattern }, "variant \(variant)")
            // Every length up to a few vectors, so remainder loops are covered too.
            for count in 0..<40 {
                var part = Array(xs[1_000..<(1_000 + count)])
                VectorMath.tanh(&part, variant: variant)
                #expect(part.map(\.bitPattern) == chosen[1_000..<(1_000 + count)].map(\.bitPattern),
                        "variant \(variant), count \(count)")
            }
        }
    }

    @Test("VectorMath.logisticLoss matches the C library's sigmoid and softplus to 1e-15 relative (1e-307 absolute beyond |g| = 708)")
    func logisticLossAccuracy() {
        var generator = Xoshiro256StarStar(seed: 9)
        var logits: [Double] = (0..<20_000).map { _ in 10 * generator.normal() }
        logits += [0, -0.0, 1e-300, -1e-300, 1e-12, -1e-12, 0.5, -0.5, 36, -36, 40, -40, 700, -700, 708, -708,
                   709, -709, 745, -745, 1e300, -1e300, .infinity, -.infinity]
        for label in [0.0, 1.0] {
            let labels = [Double](repeating: label, count: logits.count)
            var probabilities = [Double](repeating: 0, count: logits.count)
            var losses = probabilities
            VectorMath.logisticLoss(logits: logits, labels: labels, probabilities: &probabilities, losses: &losses)
            for (i, g) in logits.enumerated() {
                // Beyond |g| = 708, e^{−|g|} is clamped at ≈ 3e-308: an absolute error below 1e-307.
                func close(_ value: Double, _ expected: Double) -> Bool {
                    abs(value - expected) <= (abs(g) <= 708 ? 1e-15 * expected : 1e-307)
                }
                #expect(close(probabilities[i], sigmoid(g)), "σ(\(g))")
                #expect(probabilities[i] >= 0 && probabilities[i] <= 1)
                guard g.isFinite else { continue }
                // softplus(g) − y·g = softplus(−g) for y = 1 (no cancellation at large g).
                #expect(close(losses[i], label == 1 ? softplus(-g) : softplus(g)), "loss(\(g), \(label))")
            }
        }
        var probabilities = [Double](repeating: 0, count: 1)
        var losses = probabilities
        VectorMath.logisticLoss(logits: [.nan], labels: [1], probabilities: &probabilities, losses: &losses)
        #expect(probabilities[0].isNaN && losses[0].isNaN)
    }

    @Test("Every logistic-loss variant this machine runs gives the same bits")
    func logisticLossVariantsAreBitIdentical() {
        let logits = tanhKernelInputs().map { 40 * $0 }
        let labels = logits.indices.map { Double($0 % 2) }
        func run(_ variant: VectorMath.KernelVariant, _ range: Range<Int>) -> [UInt64] {
            var probabilities = [Double](repeating: 0, count: range.count)
            var losses = probabilities
            VectorMath.logisticLoss(logits: Array(logits[range]), labels: Array(labels[range]),
                                    probabilities: &probabilities, losses: &losses, variant: variant)
            return (probabilities + losses).map(\.bitPattern)
        }
        let chosen = run(VectorMath.variant, 0..<logits.count)
        for variant in VectorMath.supportedVariants {
            #expect(run(variant, 0..<logits.count) == chosen, "variant \(variant)")
            for count in 0..<40 {   // remainder loops
                let part = run(variant, 1_000..<(1_000 + count))
                #expect(part == run(.baseline, 1_000..<(1_000 + count)), "variant \(variant), count \(count)")
            }
        }
    }

    @Test("VectorMath.weightedGram is X̃ᵀ diag(w) X̃ and X̃ᵀ v (X̃ = [X 1]) to rounding, the same bits in every variant")
    func weightedGram() throws {
        var generator = Xoshiro256StarStar(seed: 11)
        for (d, n) in [(0, 5), (1, 1), (3, 7), (3, 8), (6, 1_001), (4, 0)] {
            let columns = try Matrix(rows: d, cols: n, storage: (0..<(d * n)).map { _ in generator.normal() })
            let weights = (0..<n).map { _ in generator.uniform() }
            let values = (0..<n).map { _ in generator.normal() }
            let (gram, sums) = VectorMath.weightedGram(columns: columns, weights: weights, values: values)
            let p = d + 1
            #expect(gram.rows == p && gram.cols == p && sums.count == p)
            func feature(_ i: Int, _ r: Int) -> Double { i < d ? columns[i, r] : 1 }
            for i in 0..<p {
                let expectedSum = (0..<n).reduce(0.0) { $0 + values[$1] * feature(i, $1) }
                let sumScale = (0..<n).reduce(0.0) { $0 + abs(values[$1] * feature(i, $1)) }
                #expect(abs(sums[i] - expectedSum) <= 1e-14 * max(sumScale, 1), "d \(d) n \(n) sum \(i)")
                for j in 0..<p {
                    let expected = (0..<n).reduce(0.0) { $0 + weights[$1] * feature(i, $1) * feature(j, $1) }
                    let scale = (0..<n).reduce(0.0) { $0 + abs(weights[$1] * feature(i, $1) * feature(j, $1)) }
                    #expect(abs(gram[i, j] - expected) <= 1e-14 * max(scale, 1), "d \(d) n \(n) entry \(i), \(j)")
                    #expect(gram[i, j] == gram[j, i])
                }
            }
            for variant in VectorMath.supportedVariants {
                let other = VectorMath.weightedGram(columns: columns, weights: weights, values: values, variant: variant)
                #expect(other.gram.storage.map(\.bitPattern) == gram.storage.map(\.bitPattern), "variant \(variant)")
                #expect(other.sums.map(\.bitPattern) == sums.map(\.bitPattern), "variant \(variant)")
            }
        }
    }

    @Test("Every Adam variant this machine runs gives the bits of the scalar loop it replaced",
          arguments: [0.0, 0.1])
    func adamVariantsAreBitIdentical(weightDecay: Double) {
        var generator = Xoshiro256StarStar(seed: 11)
        for count in [0, 1, 3, 7, 8, 9, 17, 31, 64, 1_001] {
            let parameters = (0..<count).map { _ in generator.normal() }
            let gradients = (0..<3).map { _ in (0..<count).map { _ in 1e-3 * generator.normal() } }
            for variant in VectorMath.supportedVariants {
                var (reference, first, second) = (parameters, [Double](repeating: 0, count: count),
                                                  [Double](repeating: 0, count: count))
                var (fast, fastFirst, fastSecond) = (parameters, first, second)
                for (t, gradient) in gradients.enumerated() {
                    let step = AdamStep(learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
                                        weightDecay: weightDecay, correction1: 1 - power(0.9, Double(t + 1)),
                                        correction2: 1 - power(0.999, Double(t + 1)))
                    scalarAdam(&reference, gradient: gradient, first: &first, second: &second, step: step)
                    VectorMath.adamUpdate(&fast, gradient: gradient, first: &fastFirst, second: &fastSecond,
                                          step: step, variant: variant)
                }
                #expect(fast.map(\.bitPattern) == reference.map(\.bitPattern), "variant \(variant), count \(count)")
                #expect(fastFirst.map(\.bitPattern) == first.map(\.bitPattern))
                #expect(fastSecond.map(\.bitPattern) == second.map(\.bitPattern))
            }
        }
    }

    @Test("The flags line of /proc/cpuinfo is found and split into words")
    func cpuFlagsParsing() {
        let text = Array("processor\t: 0\nvmx flags\t: ept\nflags\t\t: fpu sse2 avx2  avx512f\nbugs\t: x\n".utf8)
        #expect(CPUFeatures.flags(in: text, atEndOfFile: false) == ["fpu", "sse2", "avx2", "avx512f"])
        #expect(CPUFeatures.flags(in: Array(text[0..<40]), atEndOfFile: false) == nil)
        #expect(CPUFeatures.flags(in: Array("flags\t: sse2".utf8), atEndOfFile: true) == ["sse2"])
        #expect(CPUFeatures.flags(in: Array("Features\t: fp asimd\n".utf8), atEndOfFile: true) == nil)
        #expect(CPUFeatures.flags(in: [], atEndOfFile: true) == nil)
    }
}

// MARK: - References and inputs for the bit-identity tests

/// The Adam loop as `Adam.update` ran it before the vector kernels, one element at a time.
func scalarAdam(_ parameters: inout [Double], gradient: [Double], first: inout [Double], second: inout [Double],
                step: AdamStep) {
    for i in parameters.indices {
        let g = gradient[i] + step.weightDecay * parameters[i]
        first[i] = step.beta1 * first[i] + (1 - step.beta1) * g
        second[i] = step.beta2 * second[i] + (1 - step.beta2) * g * g
        let mHat = first[i] / step.correction1
        let vHat = second[i] / step.correction2
        parameters[i] -= step.learningRate * mHat / (vHat.squareRoot() + step.epsilon)
    }
}


/// Inputs covering every branch of the tanh kernel: a wide uniform range, random bit
/// patterns (NaNs with payloads, infinities, huge and tiny values), |x| near the
/// saturation at 19, subnormals, and the special values; 31 020 in all.
func tanhKernelInputs() -> [Double] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {   // SplitMix64
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    func unit() -> Double { Double(next() >> 11) / 9_007_199_254_740_992 }
    var xs: [Double] = []
    for _ in 0..<20_000 { xs.append((unit() - 0.5) * 48) }
    for _ in 0..<5_000 { xs.append(Double(bitPattern: next())) }
    for _ in 0..<2_000 {
        let u = unit()
        xs.append(19 + (u - 0.5) * 1e-6)
        xs.append(-(19 + (u - 0.5) * 0.5))
    }
    for _ in 0..<1_000 {
        xs.append(Double(bitPattern: next() & 0x000F_FFFF_FFFF_FFFF))
        xs.append(-Double(bitPattern: next() & 0x000F_FFFF_FFFF_FFFF))
    }
    xs += [0, -0.0, .infinity, -.infinity, .nan, -.nan,
           Double(bitPattern: 0x7FF0_0000_0000_0001), Double(bitPattern: 0xFFF8_0000_0000_1234),
           .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
           .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 19, -19, 19.0.nextUp, 19.0.nextDown,
           9.5, 1e-300, 0.3466]
    return xs
}

/// FNV-1a over the bit patterns.
func fingerprint(_ values: [Double]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for value in values { hash = (hash ^ value.bitPattern) &* 0x0000_0100_0000_01B3 }
    return hash
}
