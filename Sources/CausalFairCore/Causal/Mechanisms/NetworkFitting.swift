extension MultilayerPerceptron {
    /// A network of widths `[inputs.cols] + hidden + [outputs]` fitted by minibatch Adam:
    /// `epochs` passes over the rows, with the gradient of the loss with respect to the
    /// network's outputs given by `outputGradient(outputs, rows, rowsInMean)` — the
    /// gradient of the sum of the rows' losses divided by `rowsInMean`. Initialisation,
    /// shuffling and sampling come from `generator`, so the fit is determined by it. What
    /// the MLP mechanisms (squared error) and the discrete mechanisms' MLP logits (softmax
    /// cross-entropy) share.
    ///
    /// Without `privacy`: an order reshuffled every epoch, one Adam step per batch of
    /// `batchSize` rows on the batch's mean loss (`rowsInMean` = the batch's size).
    ///
    /// With `privacy` (DP-SGD, the trainer's `DifferentialPrivacy`): as many steps per
    /// epoch, ⌈n / batchSize⌉, each on a Poisson sample of the rows at rate
    /// q = min(batchSize, n) / n, with every sampled row's own loss gradient
    /// (`rowsInMean` = 1) clipped, summed, noised and divided by q·n. The fitted
    /// parameters are then (ε, δ)-DP for the accountant's ε of (σ, q, epochs · ⌈n / batchSize⌉).
    static func fittedByMinibatchAdam(inputs: Matrix, outputs: Int, hidden: [Int], activation: Activation,
                                      epochs: Int, batchSize: Int, learningRate: Double,
                                      privacy: DifferentialPrivacy? = nil,
                                      generator: inout Xoshiro256StarStar,
                                      outputGradient: (Matrix, [Int], Int) -> Matrix) -> MultilayerPerceptron {
        var network = MultilayerPerceptron(widths: [inputs.cols] + hidden + [outputs],
                                           activation: activation, generator: &generator)
        var optimiser = Adam(parameterCount: network.parameters.count, learningRate: learningRate)
        var order = Array(0..<inputs.rows)
        if let privacy {
            let expectedBatchSize = Double(min(batchSize, inputs.rows))
            let steps = (inputs.rows + batchSize - 1) / batchSize
            for _ in 0..<(epochs * steps) {
                let rows = DifferentialPrivacy.poissonSample(order, rate: expectedBatchSize / Double(inputs.rows),
                                                             generator: &generator)
                let layers = network.forwardPass(inputs.gatherRows(rows))
                let sum = network.scaledParameterGradientSum(
                    layers, outputGradient: outputGradient(layers[layers.count - 1], rows, 1),
                    factor: privacy.clippingFactor(norm:))
                optimiser.update(&network.parameters, gradient: privacy.noisedMean(
                    sum, expectedBatchSize: expectedBatchSize, generator: &generator))
            }
            return network
        }
        for _ in 0..<epochs {
            generator.shuffle(&order)
            var start = 0
            while start < order.count {
                let batch = Array(order[start..<min(start + batchSize, order.count)])
                start += batchSize
                let layers = network.forwardPass(inputs.gatherRows(batch))
                let gradient = network.parameterGradient(
                    layers, outputGradient: outputGradient(layers[layers.count - 1], batch, batch.count))
                optimiser.update(&network.parameters, gradient: gradient)
            }
        }
        return network
    }
}
