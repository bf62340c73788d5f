/// Input gradients of a scalar-output network and their parameter gradients
/// ("double backward"), as the llr and capify objectives need.
///
/// Notation: a₀ = x, z_l = a_{l-1} W_l + b_l, a_l = σ(z_l) for hidden layers, g = z_L.
/// The input gradient runs γ_L = 1, β_{l-1} = γ_l W_lᵀ, γ_{l-1} = β_{l-1} ⊙ σ'(z_{l-1}),
/// ∇ₓg = β₀. Its reverse pass accumulates ∂/∂W_l of ⟨ρ, ∇ₓg⟩ directly from the
/// β = γWᵀ products, and sends ⟨ρ, ∇ₓg⟩'s dependence on z_l (through σ') into an
/// ordinary backward pass, where it is added to the gradient reaching z_l.
extension MultilayerPerceptron {
    /// The input gradient ∇ₓg of a scalar-output network for each row, and the
    /// intermediate products (γ_l, l = 1...L, and β_l, l = 0...L-1) the second-order
    /// pass reuses.
    public typealias InputGradientPass = (gradient: Matrix, gammas: [Matrix], betas: [Matrix])

    /// The `InputGradientPass` at the inputs of `layers` (from `forwardPass`).
    public func inputGradientPass(_ layers: [Matrix]) -> InputGradientPass {
        let depth = widths.count - 1
        let rows = layers[0].rows
        var gammas = [Matrix](repeating: Matrix(rows: 0, cols: 0), count: depth + 1)
        var betas = [Matrix](repeating: Matrix(rows: 0, cols: 0), count: depth)
        gammas[depth] = Matrix(rows: rows, cols: widths[depth], repeating: 1)
        var offset = parameters.count
        for layer in stride(from: depth, to: 0, by: -1) {
            offset -= (widths[layer - 1] + 1) * widths[layer]
            let beta = multiplyByWeights(gammas[layer], layer: layer, offset: offset)
            betas[layer - 1] = beta
            if layer > 1 {
                var gamma = beta
                activation.multiplyByDerivative(&gamma.storage, outputs: layers[layer - 1].storage)
                gammas[layer - 1] = gamma
            }
        }
        return (betas[0], gammas, betas)
    }

    /// ∂/∂θ of Σ_r [⟨ρ_r, ∇ₓg(x_r)⟩ + c_r g(x_r)], with ρ = `inputGradientCotangent`
    /// (rows x inputs) and c = `outputGradient` (rows x 1, or nil for none); `pass`,
    /// the `inputGradientPass` of `layers`, is computed when not given.
    ///
    /// Exact second derivatives for every layer and activation (ReLU's second
    /// derivative is zero almost everywhere).
    public func secondOrderParameterGradient(_ layers: [Matrix], pass given: InputGradientPass? = nil,
                                             inputGradientCotangent rho: Matrix, outputGradient: Matrix?) -> [Double] {
        let depth = widths.count - 1
        let pass = given ?? inputGradientPass(layers)
        var gradient = [Double](repeating: 0, count: parameters.count)
        var offsets = [Int](repeating: 0, count: depth + 1)
        for layer in 1...depth { offsets[layer] = offsets[layer - 1] + (widths[layer - 1] + 1) * widths[layer] }
        // Reverse of the input-gradient pass: adjoints of β_{l-1} flow up the layers.
        var directAdjoints = [Matrix?](repeating: nil, count: depth + 1)
        var betaAdjoint = rho
        for layer in 1...depth {
            let offset = offsets[layer - 1]
            let weightGradient = BLAS.multiply(betaAdjoint, pass.gammas[layer], transposeA: true)
            for i in 0..<weightGradient.storage.count { gradient[offset + i] += weightGradient.storage[i] }
            guard layer < depth else { break }
            let gammaAdjoint = multiplyByWeightsTransposed(betaAdjoint, layer: layer, offset: offset)
            var nextBetaAdjoint = gammaAdjoint
            activation.multiplyByDerivative(&nextBetaAdjoint.storage, outputs: layers[layer].storage)
            var zAdjoint = gammaAdjoint
            for i in zAdjoint.storage.indices {
                zAdjoint.storage[i] *= pass.betas[layer].storage[i]
                    * activation.secondDerivative(output: layers[layer].storage[i])
            }
            directAdjoints[layer] = zAdjoint
            betaAdjoint = nextBetaAdjoint
        }
        // Ordinary backward pass with the direct z-adjoints added on the way down.
        var zGradient = outputGradient ?? Matrix(rows: rho.rows, cols: widths[depth])
        for layer in stride(from: depth, to: 0, by: -1) {
            let offset = offsets[layer - 1]
            let fanIn = widths[layer - 1], fanOut = widths[layer]
            let weightGradient = BLAS.multiply(layers[layer - 1], zGradient, transposeA: true)
            for i in 0..<(fanIn * fanOut) { gradient[offset + i] += weightGradient.storage[i] }
            let biasGradient = zGradient.columnSums()
            for j in 0..<fanOut { gradient[offset + fanIn * fanOut + j] += biasGradient[j] }
            guard layer > 1 else { break }
            var below = multiplyByWeights(zGradient, layer: layer, offset: offset)
            activation.multiplyByDerivative(&below.storage, outputs: layers[layer - 1].storage)
            if let direct = directAdjoints[layer - 1] { below = below + direct }
            zGradient = below
        }
        return gradient
    }

    /// `m W_lᵀ` for layer `layer` (parameters from `offset`): rows x fan-in.
    func multiplyByWeights(_ m: Matrix, layer: Int, offset: Int) -> Matrix {
        let fanIn = widths[layer - 1], fanOut = widths[layer]
        return m.storage.withUnsafeBufferPointer { pm in
            parameters.withUnsafeBufferPointer { pw in
                BLAS.product(transposeA: false, transposeB: true, m: m.rows, n: fanIn, k: fanOut,
                             a: pm, lda: fanOut, b: UnsafeBufferPointer(rebasing: pw[offset...]), ldb: fanOut)
            }
        }
    }

    /// `m W_l` for layer `layer` (parameters from `offset`): rows x fan-out.
    func multiplyByWeightsTransposed(_ m: Matrix, layer: Int, offset: Int) -> Matrix {
        let fanIn = widths[layer - 1], fanOut = widths[layer]
        return m.storage.withUnsafeBufferPointer { pm in
            parameters.withUnsafeBufferPointer { pw in
                BLAS.product(transposeA: false, transposeB: false, m: m.rows, n: fanOut, k: fanIn,
                             a: pm, lda: fanIn, b: UnsafeBufferPointer(rebasing: pw[offset...]), ldb: fanOut)
            }
        }
    }
}
