extension MultilayerPerceptron {
    /// The parameter gradient of every row separately: row r of the result (rows x
    /// parameter count, in the order of `parameters`) is ∂/∂θ Σⱼ G[r, j] · outputⱼ(row r),
    /// from the layers of one `forwardPass` and one backward pass over the whole batch.
    ///
    /// Property: row r equals `parameterGradient` of row r alone, and the column sums
    /// equal `parameterGradient(layers, outputGradient:)`, both to rounding (BLAS sums a
    /// batched product in another order than a one-row product; tested). Each layer's
    /// weight block of row r is the outer product a_{l−1}[r] ⊗ G_l[r], its bias block G_l[r].
    /// Memory: rows · parameter count doubles.
    public func perExampleParameterGradients(_ layers: [Matrix], outputGradient: Matrix) -> Matrix {
        let count = parameters.count
        var result = Matrix(rows: outputGradient.rows, cols: count)
        _ = backpropagate(layers, outputGradient: outputGradient, throughInput: false) { layer, offset, gradient in
            let fanIn = widths[layer - 1], fanOut = widths[layer]
            let below = layers[layer - 1]
            for r in 0..<gradient.rows {
                let base = r * count + offset
                for i in 0..<fanIn {
                    let a = below.storage[r * fanIn + i]
                    for j in 0..<fanOut { result.storage[base + i * fanOut + j] = a * gradient.storage[r * fanOut + j] }
                }
                for j in 0..<fanOut { result.storage[base + fanIn * fanOut + j] = gradient.storage[r * fanOut + j] }
            }
        }
        return result
    }
}
