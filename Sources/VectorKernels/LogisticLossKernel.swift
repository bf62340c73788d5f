/// The logistic regression loss of `count` rows: for logit g and label y,
/// `probabilities[i]` = σ(g) and `losses[i]` = log(1 + e^g) − y·g (binary cross-entropy),
/// computed as (1 − y)·g + log1p(e) for g ≥ 0 and −y·g + log1p(e) otherwise (no
/// cancellation for labels 0 and 1). With e = e^{−|g|} (from `exponentialSplit`, |g| clamped at 708, where e is below
/// 10⁻³⁰⁷ and its contribution to both is rounding-level), log1p(e) = 2 atanh(s) with s = e/(2 + e) ≤ 1/3 by its series to s³³, and
/// σ(g) = 1/(1 + e) for g ≥ 0, e/(1 + e) otherwise. A NaN logit gives NaN for both.
@_transparent
public func logisticLossKernel(_ logits: UnsafePointer<Double>, _ labels: UnsafePointer<Double>,
                               _ probabilities: UnsafeMutablePointer<Double>,
                               _ losses: UnsafeMutablePointer<Double>, _ count: Int) {
    for i in 0..<count {
        let g = logits[i]
        let magnitudeOfG = abs(g)
        let clamped = 708 < magnitudeOfG ? 708 : magnitudeOfG
        let (twoToK, q) = exponentialSplit(g.isNaN ? 0 : -clamped)
        let e = twoToK * q + twoToK
        let s = e / (2 + e)
        let z = s * s
        var series = 1.0 / 33
        series = series * z + 1.0 / 31
        series = series * z + 1.0 / 29
        series = series * z + 1.0 / 27
        series = series * z + 1.0 / 25
        series = series * z + 1.0 / 23
        series = series * z + 1.0 / 21
        series = series * z + 1.0 / 19
        series = series * z + 1.0 / 17
        series = series * z + 1.0 / 15
        series = series * z + 1.0 / 13
        series = series * z + 1.0 / 11
        series = series * z + 1.0 / 9
        series = series * z + 1.0 / 7
        series = series * z + 1.0 / 5
        series = series * z + 1.0 / 3
        series = series * z + 1
        let logOnePlusE = 2 * s * series
        let y = labels[i]
        let loss = (g >= 0 ? (1 - y) * g : -(y * g)) + logOnePlusE
        let onePlusE = 1 + e
        let probability = g >= 0 ? 1 / onePlusE : e / onePlusE
        losses[i] = g.isNaN ? g : loss
        probabilities[i] = g.isNaN ? g : probability
    }
}

/// The logistic loss kernel for the baseline instruction set (see `tanhBaseline`).
@inline(never)
public func logisticLossBaseline(_ logits: UnsafePointer<Double>, _ labels: UnsafePointer<Double>,
                                 _ probabilities: UnsafeMutablePointer<Double>,
                                 _ losses: UnsafeMutablePointer<Double>, _ count: Int) {
    logisticLossKernel(logits, labels, probabilities, losses, count)
}
