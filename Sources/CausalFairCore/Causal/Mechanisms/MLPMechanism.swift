/// A fitted MLP mechanism V = f(Pa) + U with f(pa) = network(pa), trained on the
/// squared error.
public struct MLPMechanism: Sendable, Equatable {
    /// The fitted network (inputs -> hidden... -> outputs).
    public var network: MultilayerPerceptron

    /// A mechanism over a network with given parameters.
    public init(network: MultilayerPerceptron) { self.network = network }

    /// Fits a network of the given hidden sizes to predict `targets` from `inputs`
    /// by minibatch Adam on the mean squared error, for `epochs` passes over shuffled
    /// rows (or by DP-SGD with `privacy`; `MultilayerPerceptron.fittedByMinibatchAdam`);
    /// initialisation, shuffling and sampling come from `generator`. With row `weights`
    /// (mean 1, `RowWeighting.normalised`) a batch's loss is Σ_r w_r e_r / rows, e_r
    /// the row's mean squared error: an unbiased estimate of the weighted mean, equal
    /// to the fit on repeated (integer weights) or dropped (zero weights) rows when one
    /// batch holds every row.
    public init(fittingInputs inputs: Matrix, targets: Matrix, weights: [Double]? = nil, hidden: [Int],
                activation: Activation, epochs: Int, batchSize: Int, learningRate: Double,
                privacy: DifferentialPrivacy? = nil, generator: inout Xoshiro256StarStar) {
        network = MultilayerPerceptron.fittedByMinibatchAdam(
            inputs: inputs, outputs: targets.cols, hidden: hidden, activation: activation, epochs: epochs,
            batchSize: batchSize, learningRate: learningRate, privacy: privacy,
            generator: &generator) { outputs, batch, rowsInMean in
                let residual = outputs - targets.gatherRows(batch)
                return RowWeighting.scaledRows(residual, batch: batch, weights: weights,
                                               scale: 2 / Double(rowsInMean * targets.cols))
            }
    }

    /// f(inputs).
    public func callAsFunction(_ inputs: Matrix) -> Matrix { network(inputs) }
}

extension MLPMechanism: Mechanism {
    /// f(pa) + u.
    func value(parents: Matrix, noise: Matrix) -> Matrix { self(parents) + noise }

    /// u = v − f(pa), the only noise that explains v.
    func abduct(parents: Matrix, value: Matrix, streams: PosteriorStreams) -> Matrix { value - self(parents) }

    /// The value from one recorded forward pass of the network, whose layers the tape keeps.
    func recording(parents: Matrix, noise: Matrix) -> (value: Matrix, tape: Tape) {
        let layers = network.forwardPass(parents)
        return (layers[layers.count - 1] + noise, Tape(network: network, layers: layers))
    }

    /// An MLP mechanism's recorded evaluation: the network and its layers at the parents.
    struct Tape: MechanismTape {
        let network: MultilayerPerceptron
        let layers: [Matrix]

        /// (the network's input gradient for c at the recorded layers, c).
        func pullback(_ cotangent: Matrix) -> (parents: Matrix, noise: Matrix) {
            (network.inputGradient(layers, outputGradient: cotangent), cotangent)
        }
    }

    /// The network's bound propagation of the parents' set (affine maps exact,
    /// activations linearly relaxed), plus the noise's.
    func bounds(parents: AffineBounds, noise: AffineBounds) -> AffineBounds? {
        network.bounds(parents) + noise
    }

    /// The network's flat parameters.
    var parameters: [Double] { network.parameters }
}
