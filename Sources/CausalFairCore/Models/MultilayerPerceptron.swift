/// A fully connected feed-forward network: hidden layers with one activation, a
/// linear output layer. Parameters live in one flat array, layer by layer, each layer
/// as its weight matrix (fan-in x fan-out, row-major) followed by its bias.
///
/// Used as the MLP mechanism of an SCM (regression) and, later, as a classifier.
public struct MultilayerPerceptron: Sendable, Equatable {
    /// Layer widths: input, hidden..., output.
    public let widths: [Int]
    /// Activation of the hidden layers.
    public let activation: Activation
    /// All weights and biases, layer by layer.
    public var parameters: [Double]

    /// Number of parameters of a network with these layer widths.
    public static func parameterCount(widths: [Int]) -> Int {
        zip(widths, widths.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 }
    }

    /// `parameterCount(widths:)`, throwing `tooLarge` beyond `maximumElementCount`
    /// instead of overflowing.
    public static func checkedParameterCount(widths: [Int]) throws -> Int {
        var total = 0
        for (fanIn, fanOut) in zip(widths, widths.dropFirst()) {
            total = try checkedProduct(total + checkedProduct(fanIn + 1, fanOut, what: "a layer's parameters"),
                                       1, what: "the network's parameters")
        }
        return total
    }

    /// A network with PyTorch-like initialisation: every weight and bias of a layer
    /// with fan-in f is uniform in [-1/sqrt(f), 1/sqrt(f)].
    public init(widths: [Int], activation: Activation, generator: inout Xoshiro256StarStar) {
        self.widths = widths
        self.activation = activation
        var parameters: [Double] = []
        parameters.reserveCapacity(Self.parameterCount(widths: widths))
        for (fanIn, fanOut) in zip(widths, widths.dropFirst()) {
            let bound = 1 / Double(max(fanIn, 1)).squareRoot()
            for _ in 0..<((fanIn + 1) * fanOut) {
                parameters.append((2 * generator.uniform() - 1) * bound)
            }
        }
        self.parameters = parameters
    }

    /// A network with the given parameters (count checked).
    public init(widths: [Int], activation: Activation, parameters: [Double]) throws {
        guard parameters.count == Self.parameterCount(widths: widths) else {
            throw CausalFairError.invalidArgument(
                "network of widths \(widths) needs \(Self.parameterCount(widths: widths)) parameters, got \(parameters.count)")
        }
        self.widths = widths
        self.activation = activation
        self.parameters = parameters
    }

    /// The activations of every layer for a batch (input first, output last).
    public func forwardPass(_ input: Matrix) -> [Matrix] {
        var layers = [input]
        var offset = 0
        for (index, (fanIn, fanOut)) in zip(widths, widths.dropFirst()).enumerated() {
            var next = affine(layers[layers.count - 1], fanIn: fanIn, fanOut: fanOut, offset: offset)
            offset += (fanIn + 1) * fanOut
            if index < widths.count - 2 { activation.apply(&next.storage) }
            layers.append(next)
        }
        return layers
    }

    /// Elements of the widest layer `callAsFunction` holds at once (8 MB of doubles).
    static let evaluationBlockElements = 1 << 20

    /// The network's output for a batch (rows x output width), evaluated in blocks of
    /// rows so that its working memory stays near `evaluationBlockElements` doubles
    /// however many rows there are.
    public func callAsFunction(_ input: Matrix) -> Matrix {
        let block = max(1, Self.evaluationBlockElements / max(1, widths.max() ?? 1))
        guard input.rows > block else { return output(input) }
        let outputs = widths[widths.count - 1]
        var result = Matrix(rows: input.rows, cols: outputs)
        var start = 0
        while start < input.rows {
            let rows = min(block, input.rows - start)
            let part = output(input.gatherRows(Array(start..<(start + rows))))
            result.storage.replaceSubrange((start * outputs)..<((start + rows) * outputs), with: part.storage)
            start += rows
        }
        return result
    }

    /// The output layer alone, keeping no hidden layer longer than the next one needs it.
    private func output(_ input: Matrix) -> Matrix {
        var current = input
        var offset = 0
        for (index, (fanIn, fanOut)) in zip(widths, widths.dropFirst()).enumerated() {
            current = affine(current, fanIn: fanIn, fanOut: fanOut, offset: offset)
            offset += (fanIn + 1) * fanOut
            if index < widths.count - 2 { activation.apply(&current.storage) }
        }
        return current
    }

    /// Back-propagates `outputGradient` (dL/d output, rows x output width) through the
    /// activations of `forwardPass`: returns dL/d parameters (summed over rows) and
    /// dL/d input.
    public func backwardPass(_ layers: [Matrix], outputGradient: Matrix) -> (parameters: [Double], input: Matrix) {
        var parameterGradient = [Double](repeating: 0, count: parameters.count)
        let input = backpropagate(layers, outputGradient: outputGradient, throughInput: true) { layer, offset, gradient in
            writeParameterGradient(&parameterGradient, layers: layers, layer: layer, offset: offset, gradient: gradient)
        }
        return (parameterGradient, input)
    }

    /// dL/d parameters only (summed over rows): `backwardPass` without the product
    /// that carries the gradient below the first layer.
    public func parameterGradient(_ layers: [Matrix], outputGradient: Matrix) -> [Double] {
        var parameterGradient = [Double](repeating: 0, count: parameters.count)
        _ = backpropagate(layers, outputGradient: outputGradient, throughInput: false) { layer, offset, gradient in
            writeParameterGradient(&parameterGradient, layers: layers, layer: layer, offset: offset, gradient: gradient)
        }
        return parameterGradient
    }

    /// dL/d input only (no parameter gradients): the vector–Jacobian product of the
    /// network at the inputs of `layers`.
    public func inputGradient(_ layers: [Matrix], outputGradient: Matrix) -> Matrix {
        backpropagate(layers, outputGradient: outputGradient, throughInput: true) { _, _, _ in }
    }

    /// ∇ₓg of a scalar-output network at the inputs of `layers`: one backward pass of 1,
    /// the same bits as `inputGradientPass(layers).gradient` (the same products in the
    /// same order; tested) without keeping the products the second-order pass reuses.
    public func logitInputGradient(_ layers: [Matrix]) -> Matrix {
        inputGradient(layers, outputGradient: Matrix(rows: layers[0].rows, cols: 1, repeating: 1))
    }

    /// Writes layer `layer`'s weight gradient (a_{l-1}ᵀ G, straight into the flat
    /// vector) and bias gradient (column sums of G).
    private func writeParameterGradient(_ target: inout [Double], layers: [Matrix], layer: Int, offset: Int,
                                        gradient: Matrix) {
        let fanIn = widths[layer - 1], fanOut = widths[layer]
        let below = layers[layer - 1]
        below.storage.withUnsafeBufferPointer { pa in
            gradient.storage.withUnsafeBufferPointer { pg in
                target.withUnsafeMutableBufferPointer { pt in
                    guard let a = pa.baseAddress, let g = pg.baseAddress, let t = pt.baseAddress else { return }
                    BLAS.gemm(transposeA: true, transposeB: false, m: fanIn, n: fanOut, k: gradient.rows, alpha: 1,
                              a: a, lda: fanIn, b: g, ldb: fanOut, beta: 0, c: t + offset, ldc: fanOut)
                    let bias = t + offset + fanIn * fanOut
                    for j in 0..<fanOut { bias[j] = 0 }
                    for r in 0..<gradient.rows {
                        for j in 0..<fanOut { bias[j] += g[r * fanOut + j] }
                    }
                }
            }
        }
    }

    /// Runs the backward pass, handing each layer's output gradient (with the layer
    /// index and parameter offset) to `visit` before moving below it; below the first
    /// layer only when `throughInput` (else the result is the first layer's gradient).
    func backpropagate(_ layers: [Matrix], outputGradient: Matrix, throughInput: Bool,
                               visit: (Int, Int, Matrix) -> Void) -> Matrix {
        var gradient = outputGradient
        var offset = parameters.count
        for layer in stride(from: widths.count - 1, to: 0, by: -1) {
            offset -= (widths[layer - 1] + 1) * widths[layer]
            visit(layer, offset, gradient)
            guard layer > 1 || throughInput else { break }
            var below = multiplyByWeights(gradient, layer: layer, offset: offset)
            if layer > 1 { activation.multiplyByDerivative(&below.storage, outputs: layers[layer - 1].storage) }
            gradient = below
        }
        return gradient
    }

    /// `input * W + b` for the layer whose parameters start at `offset`.
    private func affine(_ input: Matrix, fanIn: Int, fanOut: Int, offset: Int) -> Matrix {
        parameters.withUnsafeBufferPointer { pw in
            input.storage.withUnsafeBufferPointer { pi in
                Matrix(rows: input.rows, cols: fanOut) { output in
                    guard let wp = pw.baseAddress else { return }
                    for r in 0..<input.rows { (output + r * fanOut).update(from: wp + offset + fanIn * fanOut, count: fanOut) }
                    guard let ip = pi.baseAddress else { return }
                    BLAS.gemm(transposeA: false, transposeB: false, m: input.rows, n: fanOut, k: fanIn, alpha: 1,
                              a: ip, lda: fanIn, b: wp + offset, ldb: fanOut, beta: 1, c: output, ldc: fanOut)
                }
            }
        }
    }
}
