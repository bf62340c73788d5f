extension MultilayerPerceptron {
    /// A network of widths `[inputs.cols] + hidden + [outputs]` fitted by minibatch Adam:
    /// `epochs` passes over the rows in an order reshuffled every epoch, one Adam step
    /// per batch of `batchSize` rows, with the gradient of the batch's loss with respect
    /// to the network's outputs given by `outputGradient(outputs, batch rows)`.
    /// Initialisation and shuffling come from `generator`, so the fit is determined by
    /// it. What the MLP mechanisms (squared error) and the discrete mechanisms' MLP
    /// logits (softmax cross-entropy) share.
    static func fittedByMinibatchAdam(inputs: Matrix, outputs: Int, hidden: [Int], activation: Activation,
                                      epochs: Int, batchSize: Int, learningRate: Double,
                                      generator: inout Xoshiro256StarStar,
                                      outputGradient: (Matrix, [Int]) -> Matrix) -> MultilayerPerceptron {
        var network = MultilayerPerceptron(widths: [inputs.cols] + hidden + [outputs],
                                           activation: activation, generator: &generator)
        var optimiser = Adam(parameterCount: network.parameters.count, learningRate: learningRate)
        var order = Array(0..<inputs.rows)
        for _ in 0..<epochs {
            generator.shuffle(&order)
            var start = 0
            while start < order.count {
                let batch = Array(order[start..<min(start + batchSize, order.count)])
                start += batchSize
                let layers = network.forwardPass(inputs.gatherRows(batch))
                let gradient = network.parameterGradient(layers, outputGradient: outputGradient(layers[layers.count - 1], batch))
                optimiser.update(&network.parameters, gradient: gradient)
            }
        }
        return network
    }
}
