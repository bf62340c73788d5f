/// A fitted Gumbel-max mechanism of a binary or categorical non-root node
/// (DESIGN §4, "Discrete nodes"): logits ℓ = f(Pa) (ℓ₀ = 0, f linear or an MLP)
/// and V = argmaxₖ ℓₖ + G_k on hard codes (`GumbelMax`). Abduction samples the noise
/// from its posterior given (v, pa) from the posterior streams; a counterfactual
/// recomputes the argmax at the new logits with that noise. The value is piecewise
/// constant in (pa, u), so its Jacobian is zero almost everywhere: the recorded
/// pullback is instead the straight-through surrogate (`GumbelSoftmax`), the
/// vector–Jacobian product of the relaxed value softmax((ℓ(pa) + u)/τ).
public struct DiscreteMechanism: Sendable, Equatable {
    /// The map from the parents' columns to the logits ℓ₁…ℓ_{K−1}.
    public enum LogitModel: Sendable, Equatable {
        /// ℓ = pa W + b: multinomial logistic regression.
        case linear(LinearMechanism)
        /// ℓ = network(pa).
        case mlp(MultilayerPerceptron)
    }

    /// The logit map.
    public var logitModel: LogitModel

    /// A mechanism over a given logit map.
    public init(logitModel: LogitModel) { self.logitModel = logitModel }

    /// Number of stored logits of a node of encoded width `width`: 1 for a binary node
    /// (one column), K − 1 for a categorical node of K one-hot columns.
    public static func logitCount(width: Int) -> Int { width == 1 ? 1 : width - 1 }

    /// The indicators of levels 1…K−1 of encoded values (`logitCount` columns): the
    /// column itself for a binary node, the one-hot columns after the first otherwise.
    public static func levelIndicators(_ values: Matrix) -> Matrix {
        values.cols == 1 ? values : values.gatherColumns(Array(1..<values.cols))
    }

    /// ℓ₁…ℓ_{K−1} of every row.
    public func logits(_ parents: Matrix) -> Matrix {
        switch logitModel {
        case .linear(let map): return map(parents)
        case .mlp(let network): return network(parents)
        }
    }
}

extension DiscreteMechanism: Mechanism {
    /// Hard codes argmaxₖ ℓₖ(pa) + uₖ (binary: 1[ℓ(pa) + u > 0]).
    func value(parents: Matrix, noise: Matrix) -> Matrix {
        GumbelMax.value(logits: logits(parents), noise: noise)
    }

    /// One draw of the noise from its posterior given (v, pa), from `streams`; throws
    /// when v is not a level code.
    func abduct(parents: Matrix, value: Matrix, streams: PosteriorStreams) throws -> Matrix {
        try GumbelMax.posteriorNoise(logits: logits(parents), value: value, streams: streams)
    }

    /// The hard value (bit for bit `value(parents:noise:)`), and a tape holding the
    /// logit map's recorded evaluation and the relaxed value at (pa, u).
    func recording(parents: Matrix, noise: Matrix) -> (value: Matrix, tape: Tape) {
        let logits: Matrix
        let logitTape: Tape.LogitTape
        switch logitModel {
        case .linear(let map):
            logits = map(parents)
            logitTape = .linear(map)
        case .mlp(let network):
            let layers = network.forwardPass(parents)
            logits = layers[layers.count - 1]
            logitTape = .mlp(network, layers: layers)
        }
        return (GumbelMax.value(logits: logits, noise: noise),
                Tape(logitTape: logitTape, relaxed: GumbelSoftmax.relaxedValue(logits: logits, noise: noise)))
    }

    /// A discrete mechanism's recorded evaluation: the logit map's and the relaxed value.
    struct Tape: MechanismTape {
        /// What the logit map's input gradient needs.
        enum LogitTape {
            case linear(LinearMechanism)
            case mlp(MultilayerPerceptron, layers: [Matrix])
        }

        let logitTape: LogitTape
        /// softmax((ℓ + u)/τ) (binary: σ((ℓ + u)/τ)) at the recorded point.
        let relaxed: Matrix

        /// The straight-through surrogate: the vector–Jacobian product of the relaxed
        /// value (`GumbelSoftmax.pullback`), its logits' cotangent pulled back through
        /// the logit map to the parents.
        func pullback(_ cotangent: Matrix) -> (parents: Matrix, noise: Matrix) {
            let (logits, noise) = GumbelSoftmax.pullback(relaxed: relaxed, cotangent: cotangent)
            switch logitTape {
            case .linear(let map): return (map.inputGradient(logits), noise)
            case .mlp(let network, let layers): return (network.inputGradient(layers, outputGradient: logits), noise)
            }
        }
    }

    /// No bound: bound propagation through a discrete node gives up (never unsound).
    func bounds(parents: AffineBounds, noise: AffineBounds) -> AffineBounds? { nil }

    /// The logit map's flat parameters (a linear map's weights then bias, or the network's).
    var parameters: [Double] {
        switch logitModel {
        case .linear(let map): return map.parameters
        case .mlp(let network): return network.parameters
        }
    }
}
