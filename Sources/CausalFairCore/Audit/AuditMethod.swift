/// How an unfair-area indicator is estimated for each evaluation point.
public enum AuditMethod: Sendable, Equatable {
    /// Every twin and `samples` uniform draws from its ball; a lower bound on the indicator.
    case sample(samples: Int)
    /// Projected gradient search on δ toward the decision boundary for every twin,
    /// from δ = 0 and `restarts − 1` uniform random starts, `steps` normalised steps of
    /// size `stepSize` (0: 2.5 × radius / steps); a tighter lower bound.
    case attack(steps: Int, restarts: Int, stepSize: Double)
    /// The closed form for a linear model on an affine φ⁻¹: the logits of twin s's ball
    /// fill [g(x_s) − Δ‖Jᵀw‖, g(x_s) + Δ‖Jᵀw‖].
    case exact
}

/// What an audit found for each evaluation point: each (row, posterior draw) pair,
/// in pair order (row · R + draw).
public struct AuditResult: Sendable, Equatable {
    /// Whether some point of the ball is classified differently from the point itself.
    public var flags: [Bool]
    /// For flagged points, the twin level of the ball the witness lies in (−1 otherwise).
    public var witnessLevels: [Int]
    /// For flagged points, an individual of the ball whose prediction differs (encoded
    /// columns); NaN rows for points not flagged.
    public var witnesses: Matrix
}
