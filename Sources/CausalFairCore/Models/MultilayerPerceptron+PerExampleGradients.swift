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
        // Every element is written: each layer's weight and bias block of every row.
        return Matrix(rows: outputGradient.rows, cols: count) { t in
            _ = backpropagate(layers, outputGradient: outputGradient, throughInput: false) { layer, offset, gradient in
                let fanIn = widths[layer - 1], fanOut = widths[layer]
                layers[layer - 1].storage.withUnsafeBufferPointer { pa in
                    gradient.storage.withUnsafeBufferPointer { pg in
                        guard let a = pa.baseAddress, let g = pg.baseAddress else { return }
                        for r in 0..<gradient.rows {
                            let row = t + r * count + offset, delta = g + r * fanOut
                            for i in 0..<fanIn {
                                let weights = row + i * fanOut, activation = a[r * fanIn + i]
                                for j in 0..<fanOut { weights[j] = activation * delta[j] }
                            }
                            (row + fanIn * fanOut).update(from: delta, count: fanOut)
                        }
                    }
                }
            }
        }
    }
}
