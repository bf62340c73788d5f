/// A fitted Gumbel-max mechanism of a binary or categorical non-root node
/// (DESIGN §4, "Discrete nodes"): logits ℓ = f(Pa) (ℓ₀ = 0, f linear or an MLP)
/// and V = argmaxₖ ℓₖ + G_k on hard codes (`GumbelMax`). Abduction samples the noise
/// from its posterior given (v, pa) from the posterior streams; a counterfactual
/// recomputes the argmax at the new logits with that noise. The value is piecewise
/// constant in (pa, u): its vector–Jacobian product is zero.
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

    /// The value; the tape keeps the shapes only (the Jacobian is zero almost everywhere).
    func recording(parents: Matrix, noise: Matrix) -> (value: Matrix, tape: Tape) {
        (value(parents: parents, noise: noise), Tape(parentColumns: parents.cols, noiseColumns: noise.cols))
    }

    /// A discrete mechanism's recorded evaluation: the shapes of its inputs.
    struct Tape: MechanismTape {
        let parentColumns: Int
        let noiseColumns: Int

        /// Zero cotangents: argmax is piecewise constant (searches through a discrete
        /// node use a relaxation, never this pullback).
        func pullback(_ cotangent: Matrix) -> (parents: Matrix, noise: Matrix) {
            (Matrix(rows: cotangent.rows, cols: parentColumns), Matrix(rows: cotangent.rows, cols: noiseColumns))
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
