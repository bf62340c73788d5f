/// A network evaluated on a batch: its layers, logits, and BCE per row.
struct Evaluation {
    let layers: [Matrix]
    let logits: [Double]
    let losses: [Double]

    init(_ model: MultilayerPerceptron, _ x: Matrix, labels: [Double]) {
        layers = model.forwardPass(x)
        logits = layers[layers.count - 1].storage
        losses = zip(logits, labels).map { BinaryCrossEntropy.loss(logit: $0, label: $1) }
    }

    private init(layers: [Matrix], logits: [Double], losses: [Double]) {
        (self.layers, self.logits, self.losses) = (layers, logits, losses)
    }

    /// The evaluation restricted to rows `indices` (in that order), without a forward pass.
    func rows(_ indices: [Int]) -> Evaluation {
        Evaluation(layers: layers.map { $0.gatherRows(indices) }, logits: indices.map { logits[$0] },
                   losses: indices.map { losses[$0] })
    }

    /// dBCE/dg per row, times `scale`.
    func lossDerivatives(labels: [Double], scale: Double) -> Matrix {
        columnVector(zip(logits, labels).map { scale * BinaryCrossEntropy.derivative(logit: $0, label: $1) })
    }

    /// dBCE/dg per row, times that row's entry of `scales`.
    func lossDerivatives(labels: [Double], scales: [Double]) -> Matrix {
        columnVector((0..<logits.count).map { scales[$0] * BinaryCrossEntropy.derivative(logit: logits[$0], label: labels[$0]) })
    }
}
