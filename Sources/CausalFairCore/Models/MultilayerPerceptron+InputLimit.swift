extension MultilayerPerceptron {
    /// The largest input magnitude max|x| the network evaluates without overflow: with
    /// every input in [−M, M], every pre-activation zⱼ of a layer (and every partial sum
    /// BLAS forms for it) is bounded by M·gⱼ + oⱼ, where g = |W|ᵀg_prev and o = |W|ᵀo_prev
    /// + |b|, starting from g = 1, o = 0. A tanh layer resets the bound to |h| ≤ 1 (g = 0,
    /// o = 1); ReLU keeps |h| ≤ |z|. The limit keeps every bound below a quarter of the
    /// largest double, so no intermediate value (nor the logit) can overflow; beyond it a
    /// prediction may be arbitrary. 0 when even zero inputs could overflow; +∞ when the
    /// inputs do not reach the output (every bound is independent of M).
    public var inputLimit: Double {
        let ceiling = Double.greatestFiniteMagnitude / 4
        var growth = [Double](repeating: 1, count: widths[0])
        var offset = [Double](repeating: 0, count: widths[0])
        var limit = Double.infinity
        var at = 0
        for (layer, (fanIn, fanOut)) in zip(widths, widths.dropFirst()).enumerated() {
            var nextGrowth = [Double](repeating: 0, count: fanOut)
            var nextOffset = (0..<fanOut).map { abs(parameters[at + fanIn * fanOut + $0]) }
            for i in 0..<fanIn {
                for j in 0..<fanOut {
                    let weight = abs(parameters[at + i * fanOut + j])
                    nextGrowth[j] += weight * growth[i]
                    nextOffset[j] += weight * offset[i]
                }
            }
            at += (fanIn + 1) * fanOut
            guard nextOffset.allSatisfy({ $0 < ceiling }) else { return 0 }
            for j in 0..<fanOut where nextGrowth[j] > 0 {
                limit = min(limit, (ceiling - nextOffset[j]) / nextGrowth[j])
            }
            let hidden = layer < widths.count - 2
            (growth, offset) = hidden && activation == .tanh
                ? ([Double](repeating: 0, count: fanOut), [Double](repeating: 1, count: fanOut))
                : (nextGrowth, nextOffset)
        }
        return limit
    }
}
