/// The Gumbel-softmax relaxation of a Gumbel-max node (Jang et al. 2017; Maddison et
/// al. 2017), used as a straight-through surrogate (DESIGN §4, "Discrete nodes"): the
/// forward value stays the hard code `GumbelMax.value`, and the backward pass is the
/// vector–Jacobian product of the relaxed value
///
///     y = softmax((ℓ + G) / τ)   (ℓ₀ = 0; binary: y = σ((ℓ₁ + L) / τ)),
///
/// evaluated at the same logits and noise. As τ → 0, y tends to the hard code, whose
/// own Jacobian is zero almost everywhere; the surrogate's is not, so a search through
/// φ⁻¹ (the `attack` audit, causal_at, trades) can move a discrete descendant by
/// moving its parents, while every flag, loss and witness is evaluated at the hard point.
enum GumbelSoftmax {
    /// τ = 1. The relaxed value's slope in a logit is y(1 − y)/τ: at τ = 1 it is at most
    /// 1/4 — the scale of the fitted model's own probability slope σ'(ℓ), so the
    /// discrete path is weighed like the model's sensitivity of P(V = 1) to its parents —
    /// and it decays like e^{−|ℓ + L|/τ} away from the switch, so a smaller τ would
    /// give no direction to rows a few logit units from switching (τ = 1 is also the
    /// largest value Maddison et al. recommend for a binary node, τ ≤ 1/(K − 1)).
    static let temperature = 1.0

    /// The relaxed value of every row: σ((ℓ₁ + L)/τ) for a binary node (one column),
    /// softmax((ℓ + G)/τ) over the K one-hot columns of a categorical one.
    static func relaxedValue(logits: Matrix, noise: Matrix, temperature: Double = temperature) -> Matrix {
        var relaxed = Matrix(rows: noise.rows, cols: noise.cols)
        if noise.cols == 1 {
            for r in 0..<noise.rows { relaxed[r, 0] = sigmoid((logits[r, 0] + noise[r, 0]) / temperature) }
            return relaxed
        }
        var scores = [Double](repeating: 0, count: noise.cols)
        for r in 0..<noise.rows {
            scores[0] = noise[r, 0] / temperature
            for k in 1..<noise.cols { scores[k] = (logits[r, k - 1] + noise[r, k]) / temperature }
            let largest = scores.max() ?? 0
            var total = 0.0
            for k in scores.indices {
                scores[k] = exponential(scores[k] - largest)
                total += scores[k]
            }
            for k in scores.indices { relaxed[r, k] = scores[k] / total }
        }
        return relaxed
    }

    /// The vector–Jacobian product of the relaxed value `relaxed` (as `relaxedValue`
    /// returned it) for the value's cotangent c: the cotangents of the stored logits
    /// ℓ₁…ℓ_{K−1} and of the noise. With sₖ = (ℓₖ + Gₖ)/τ, ∂⟨c, y⟩/∂sₖ = yₖ(cₖ − ⟨c, y⟩),
    /// and ℓₖ and Gₖ both enter sₖ with slope 1/τ (binary, one column: y(1 − y) c / τ).
    static func pullback(relaxed: Matrix, cotangent: Matrix,
                         temperature: Double = temperature) -> (logits: Matrix, noise: Matrix) {
        var noise = Matrix(rows: relaxed.rows, cols: relaxed.cols)
        for r in 0..<relaxed.rows {
            var mean = 0.0
            for k in 0..<relaxed.cols { mean += cotangent[r, k] * relaxed[r, k] }
            for k in 0..<relaxed.cols {
                noise[r, k] = relaxed[r, k] * (cotangent[r, k] - mean) / temperature
            }
        }
        return (DiscreteMechanism.levelIndicators(noise), noise)
    }
}
