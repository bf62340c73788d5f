/// Binary cross-entropy on logits, and the per-row quantities objectives share.
public enum BinaryCrossEntropy {
    /// BCE of logit g for label y ∈ {0, 1}: softplus(g) − y·g (stable for any g).
    @inlinable public static func loss(logit g: Double, label y: Double) -> Double {
        softplus(g) - y * g
    }

    /// dBCE/dg = σ(g) − y.
    @inlinable public static func derivative(logit g: Double, label y: Double) -> Double {
        sigmoid(g) - y
    }
}

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
}

/// A one-column matrix holding `values`.
func columnVector(_ values: [Double]) -> Matrix {
    (try? Matrix(rows: values.count, cols: 1, storage: values)) ?? Matrix(rows: 0, cols: 1)
}

/// Adds `b` into `a` element by element (same lengths).
func accumulate(_ a: inout [Double], _ b: [Double]) {
    for i in a.indices { a[i] += b[i] }
}
