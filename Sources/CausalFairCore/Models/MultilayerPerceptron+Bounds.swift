extension MultilayerPerceptron {
    /// Bounds of the network's outputs over each input set (layer by layer).
    func bounds(_ input: AffineBounds) -> AffineBounds {
        var current = input
        var offset = 0
        for (index, (fanIn, fanOut)) in zip(widths, widths.dropFirst()).enumerated() {
            var weights = Matrix(rows: fanIn, cols: fanOut)
            for i in 0..<(fanIn * fanOut) { weights.storage[i] = parameters[offset + i] }
            let bias = Array(parameters[(offset + fanIn * fanOut)..<(offset + (fanIn + 1) * fanOut)])
            current = current.affine(weights: weights, bias: bias)
            if index < widths.count - 2 { current.activate(activation) }
            offset += (fanIn + 1) * fanOut
        }
        return current
    }
}
