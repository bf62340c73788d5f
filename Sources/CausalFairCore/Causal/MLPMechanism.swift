/// A fitted MLP mechanism f(pa) = network(pa), trained on the squared error.
public struct MLPMechanism: Sendable, Equatable {
    /// The fitted network (inputs -> hidden... -> outputs).
    public var network: MultilayerPerceptron

    /// A mechanism over a network with given parameters.
    public init(network: MultilayerPerceptron) { self.network = network }

    /// Fits a network of the given hidden sizes to predict `targets` from `inputs`
    /// by minibatch Adam on the mean squared error, for `epochs` passes over shuffled
    /// rows; initialisation and shuffling come from `generator`.
    public init(fittingInputs inputs: Matrix, targets: Matrix, hidden: [Int], activation: Activation,
                epochs: Int, batchSize: Int, learningRate: Double,
                generator: inout Xoshiro256StarStar) {
        var network = MultilayerPerceptron(widths: [inputs.cols] + hidden + [targets.cols],
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
                var residual = layers[layers.count - 1] - targets.gatherRows(batch)
                let scale = 2 / Double(batch.count * targets.cols)
                for i in residual.storage.indices { residual.storage[i] *= scale }
                let gradient = network.parameterGradient(layers, outputGradient: residual)
                optimiser.update(&network.parameters, gradient: gradient)
            }
        }
        self.network = network
    }

    /// f(inputs).
    public func callAsFunction(_ inputs: Matrix) -> Matrix { network(inputs) }
}
