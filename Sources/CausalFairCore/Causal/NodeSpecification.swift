/// What a node's values are and how they are encoded as columns.
public enum NodeKind: Sendable, Equatable {
    /// One real column.
    case continuous
    /// One column coded 0/1.
    case binary
    /// `levels` one-hot columns (`levels >= 2`).
    case categorical(levels: Int)

    /// Number of encoded columns.
    public var width: Int {
        switch self {
        case .continuous, .binary: return 1
        case .categorical(let levels): return levels
        }
    }

    /// Number of levels of a discrete node (nil for continuous nodes).
    public var levelCount: Int? {
        switch self {
        case .continuous: return nil
        case .binary: return 2
        case .categorical(let levels): return levels
        }
    }

    /// The encoded columns of level `level` of a discrete node: the code itself for a
    /// binary node, the one-hot vector for a categorical one.
    public func code(ofLevel level: Int) -> [Double] {
        switch self {
        case .continuous, .binary: return [Double(level)]
        case .categorical(let levels): return (0..<levels).map { $0 == level ? 1 : 0 }
        }
    }
}

/// How a non-root node's value is computed from its parents (additive noise model
/// V = f(Pa) + U on the node's encoded columns). `MechanismSpecification+Factory`
/// turns it into its `Mechanism` conformance.
public enum MechanismSpecification: Sendable, Equatable {
    /// A root node: V = U.
    case root
    /// f linear, fitted by least squares with ridge penalty `ridge` (intercept free).
    case linear(ridge: Double)
    /// f a multilayer perceptron fitted by minibatch Adam on the squared error.
    case mlp(hidden: [Int], activation: Activation, epochs: Int, batchSize: Int, learningRate: Double)
    /// An exact, known mechanism V = outer(f(Pa) + U) (continuous nodes only): not
    /// fitted, no parameters.
    case expression(Expression, outer: OuterFunction)
}

/// How a binary or categorical non-root node's mechanism treats its codes
/// (DESIGN §4, "Discrete nodes"). Continuous nodes and roots ignore it.
public enum DiscreteMechanismKind: Sendable, Equatable {
    /// An additive noise model on the 0/1 or one-hot codes, as for a continuous node:
    /// the published reference's shortcut, whose counterfactual codes can be fractional.
    case additiveNoise
    /// Gumbel-max: logits from the parents (the `MechanismSpecification` fits them by
    /// maximum likelihood), hard codes, abduction by posterior sampling (`DiscreteMechanism`).
    case gumbelMax
}

/// Distribution of a node's noise when sampling.
public enum NoiseDistribution: Sendable, Equatable {
    /// Rows of the fitted latent sample (the empirical distribution).
    case empirical
    /// Normal(loc, scale).
    case normal(loc: Double, scale: Double)
    /// loc + Gamma(shape, scale).
    case gamma(shape: Double, scale: Double, loc: Double)
    /// Bernoulli(p) on {0, 1}.
    case bernoulli(p: Double)
}

/// One node of an SCM.
public struct NodeSpecification: Sendable, Equatable {
    /// Value kind and encoding.
    public var kind: NodeKind
    /// Indices of the parent nodes.
    public var parents: [Int]
    /// Whether the node is a sensitive attribute (twins vary it).
    public var isSensitive: Bool
    /// Whether the node may not be perturbed (excluded from the perturbation ball, and
    /// the fair metric is infinite between points that differ on its latent value).
    public var isImmutable: Bool
    /// The mechanism (`.root` exactly when `parents` is empty).
    public var mechanism: MechanismSpecification
    /// Noise distribution used by sampling.
    public var noise: NoiseDistribution
    /// How the mechanism treats a discrete non-root node's codes.
    public var discrete: DiscreteMechanismKind

    /// A node specification.
    public init(kind: NodeKind, parents: [Int] = [], isSensitive: Bool = false, isImmutable: Bool = false,
                mechanism: MechanismSpecification = .root, noise: NoiseDistribution = .empirical,
                discrete: DiscreteMechanismKind = .additiveNoise) {
        self.kind = kind
        self.parents = parents
        self.isSensitive = isSensitive
        self.isImmutable = isImmutable
        self.mechanism = mechanism
        self.noise = noise
        self.discrete = discrete
    }

    /// Whether the node has a Gumbel-max mechanism: a binary or categorical node with
    /// parents, in `.gumbelMax` mode.
    public var usesGumbelMax: Bool {
        discrete == .gumbelMax && kind != .continuous && !parents.isEmpty
    }

    /// Whether the node holds hard codes that no perturbation moves: a binary or
    /// categorical node in `.gumbelMax` mode, root or not (DESIGN §4: the Δ-ball moves
    /// continuous latents only; a root keeps its level, a Gumbel-max node changes only
    /// through its parents). A discrete root's code moved continuously would be a
    /// fractional code no individual has.
    public var holdsHardCodes: Bool {
        discrete == .gumbelMax && kind != .continuous
    }
}
