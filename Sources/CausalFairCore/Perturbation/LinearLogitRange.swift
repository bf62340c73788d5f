/// The logits of a linear model g(x) = wᵀx + b over the causal perturbation ball when
/// φ⁻¹ is affine with constant Jacobian J (columns x perturbable latent coordinates):
/// over B_Δ around a twin x_s they fill exactly [g(x_s) − Δ‖Jᵀw‖, g(x_s) + Δ‖Jᵀw‖],
/// the extremes at x_s ± Δ·J Jᵀw/‖Jᵀw‖. The closed form of causal_at's training loss
/// and of the exact audit.
struct LinearLogitRange {
    /// Jᵀw (one entry per perturbable latent coordinate).
    let projectedWeights: [Double]
    /// ‖Jᵀw‖: how far the logit moves per unit of latent radius.
    let slope: Double

    /// The range of `model` (widths [d, 1]: its first d parameters are w) under `jacobian`.
    init(model: MultilayerPerceptron, jacobian: Matrix) {
        let weights = Array(model.parameters[0..<model.widths[0]])
        projectedWeights = BLAS.multiply(jacobian, weights, transposeA: true)
        slope = projectedWeights.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
}
