extension MultilayerPerceptron {
    /// The L2 norm of every row's own parameter gradient, without forming the gradients:
    /// entry r is ‖∂/∂θ Σⱼ G[r, j] · outputⱼ(row r)‖₂, from the layers of one `forwardPass`
    /// and one backward pass over the whole batch.
    ///
    /// Each layer's weight block of row r is the outer product a_{l−1}[r] ⊗ G_l[r] and its
    /// bias block G_l[r], so its squared norm is (‖a_{l−1}[r]‖² + 1) · ‖G_l[r]‖²; the
    /// norm is the square root of the sum over layers (the "ghost norm" of DP-SGD). Cost:
    /// one backward pass plus rows · Σ widths multiply-adds, instead of the rows ·
    /// parameter count doubles that the per-row gradients would take.
    /// Property: equals the norm of `parameterGradient` of row r alone, to rounding (tested).
    public func perExampleGradientNorms(_ layers: [Matrix], outputGradient: Matrix) -> [Double] {
        var squared = [Double](repeating: 0, count: outputGradient.rows)
        _ = backpropagate(layers, outputGradient: outputGradient, throughInput: false) { layer, _, gradient in
            let inputs = Rows.dot(layers[layer - 1], layers[layer - 1]), deltas = Rows.dot(gradient, gradient)
            for r in squared.indices { squared[r] += (inputs[r] + 1) * deltas[r] }
        }
        return squared.map { $0.squareRoot() }
    }

    /// Σᵣ factor(‖gᵣ‖₂) · gᵣ of the rows' own parameter gradients, gᵣ = ∂/∂θ Σⱼ G[r, j] ·
    /// outputⱼ(row r), without forming them: the norms by `perExampleGradientNorms`, then
    /// one ordinary backward pass of G with each row scaled by its factor (a row's
    /// gradient is linear in its row of G). With `factor` = min(1, C / norm)
    /// (`DifferentialPrivacy.clippingFactor`) it is DP-SGD's clipped sum. Equals scaling
    /// the per-row gradients and summing them, to rounding (tested); costs two backward
    /// passes over the batch.
    public func scaledParameterGradientSum(_ layers: [Matrix], outputGradient: Matrix,
                                           factor: (Double) -> Double) -> [Double] {
        let factors = perExampleGradientNorms(layers, outputGradient: outputGradient).map(factor)
        return parameterGradient(layers, outputGradient: Rows.scaled(outputGradient, by: factors))
    }
}
