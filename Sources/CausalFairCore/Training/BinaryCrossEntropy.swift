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
