/// Fitting a discrete mechanism's logits by maximum likelihood.
extension DiscreteMechanism {
    /// Iteration limit of the multinomial logistic Newton solve.
    static let maximumNewtonIterations = 200
    /// The solve stops when every entry of the mean gradient is below this.
    static let newtonTolerance = 1e-12

    /// Multinomial logistic regression of the levels in `targets` (0/1 column or
    /// one-hot rows) on `inputs`, fitted to the optimum of
    ///
    ///     Σᵣ −log softmax(ℓᵣ)_{vᵣ} + ridge ‖W‖²,   ℓᵣ = (0, pa_r W + b),
    ///
    /// (with row `weights`, as `RowWeighting.normalised` gives them, the weighted
    /// likelihood Σᵣ −wᵣ log softmax(ℓᵣ)_{vᵣ} + ridge ‖W‖²: with ridge 0, integer
    /// weights fit the rows repeated and zero weights the rows dropped)
    /// by Newton's method from θ = 0 with Armijo backtracking. The objective is convex;
    /// when it is strictly convex (ridge > 0, or data that determine the optimum) the
    /// result is its unique minimiser, to a mean gradient below `newtonTolerance`. A
    /// tiny multiple of the identity keeps each step's system positive definite, which
    /// does not move the fixed point. On separable data with ridge 0 the optimum is at
    /// infinity: the weights grow until the iterations run out and stay finite.
    /// `droppedInputs` get weight 0 (collinear with the intercept).
    public init(fittingLinearInputs inputs: Matrix, targets: Matrix, weights: [Double]? = nil, ridge: Double,
                droppedInputs: Set<Int>) throws {
        let kept = (0..<inputs.cols).filter { !droppedInputs.contains($0) }
        var design = Matrix(rows: inputs.rows, cols: kept.count + 1, repeating: 1)
        design.scatterColumns(Array(0..<kept.count), from: inputs.gatherColumns(kept))
        let regression = SoftmaxRegression(design: design, indicators: Self.levelIndicators(targets),
                                           ridge: ridge, penalisedRows: kept.count, weights: weights)
        let theta = try regression.minimise(maxIterations: Self.maximumNewtonIterations,
                                            tolerance: Self.newtonTolerance)
        let outputs = theta.cols
        var weights = Matrix(rows: inputs.cols, cols: outputs)
        for (j, input) in kept.enumerated() {
            for o in 0..<outputs { weights[input, o] = theta[j, o] }
        }
        let bias = (0..<outputs).map { theta[kept.count, $0] }
        let parameters = weights.storage + bias
        logitModel = .linear(try LinearMechanism(inputs: inputs.cols, outputs: outputs, parameters: parameters[...]))
    }

    /// A network of the given hidden sizes predicting the logits, fitted by minibatch
    /// Adam on the mean softmax cross-entropy, for `epochs` passes over shuffled rows (or
    /// by DP-SGD with `privacy`; `MultilayerPerceptron.fittedByMinibatchAdam`);
    /// initialisation, shuffling and sampling come from `generator`. With row `weights`
    /// (mean 1, `RowWeighting.normalised`) a batch's loss is Σ_r w_r c_r / rows, c_r the
    /// row's cross-entropy (the weighted likelihood, as for the MLP mechanisms).
    public init(fittingNetworkInputs inputs: Matrix, targets: Matrix, weights: [Double]? = nil, hidden: [Int],
                activation: Activation, epochs: Int, batchSize: Int, learningRate: Double,
                privacy: DifferentialPrivacy? = nil,
                generator: inout Xoshiro256StarStar) {
        let indicators = Self.levelIndicators(targets)
        let network = MultilayerPerceptron.fittedByMinibatchAdam(
            inputs: inputs, outputs: indicators.cols, hidden: hidden, activation: activation, epochs: epochs,
            batchSize: batchSize, learningRate: learningRate, privacy: privacy,
            generator: &generator) { logits, batch, rowsInMean in
                let residual = SoftmaxRegression.probabilities(logits: logits) - indicators.gatherRows(batch)
                return RowWeighting.scaledRows(residual, batch: batch, weights: weights,
                                               scale: 1 / Double(rowsInMean))
            }
        logitModel = .mlp(network)
    }
}
