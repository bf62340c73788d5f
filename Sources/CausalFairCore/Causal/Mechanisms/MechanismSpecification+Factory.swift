/// The one place that maps a `MechanismSpecification` to its `Mechanism`
/// conformance: checking its settings, counting its parameters, fitting it, and
/// rebuilding it from exported parameters. Adding a mechanism kind adds one case to
/// each switch here and nowhere else in the model.
extension MechanismSpecification {
    /// Throws `invalidArgument` (naming node `index`) unless this specification fits
    /// a node of `kind` with or without parents and its settings are in range.
    func validate(kind: NodeKind, hasParents: Bool, index: Int) throws {
        switch (hasParents, self) {
        case (false, .root), (true, .linear), (true, .mlp), (true, .expression):
            break
        case (false, _):
            throw CausalFairError.invalidArgument("node \(index) is a root: its mechanism must be none")
        case (true, .root):
            throw CausalFairError.invalidArgument("node \(index) has parents: it needs a linear or mlp mechanism")
        }
        switch self {
        case .linear(let ridge):
            guard ridge >= 0, ridge.isFinite else {
                throw CausalFairError.invalidArgument("node \(index): ridge must be finite and >= 0, got \(ridge)")
            }
        case .mlp(let hidden, _, let epochs, let batchSize, let learningRate):
            let widest = StructuralCausalModel.maximumMechanismHiddenWidth
            guard !hidden.isEmpty, hidden.allSatisfy({ $0 > 0 && $0 <= widest }) else {
                throw CausalFairError.invalidArgument("node \(index): hidden layer sizes must be 1...\(widest), got \(hidden)")
            }
            guard epochs >= 0, epochs <= StructuralCausalModel.maximumMechanismEpochs, batchSize > 0 else {
                throw CausalFairError.invalidArgument("node \(index): epochs must be >= 0 and batch size > 0")
            }
            guard learningRate > 0, learningRate.isFinite else {
                throw CausalFairError.invalidArgument("node \(index): learning rate must be > 0, got \(learningRate)")
            }
        case .expression:
            guard kind == .continuous else {
                throw CausalFairError.invalidArgument("node \(index): an expression mechanism needs a continuous node")
            }
        case .root:
            break
        }
    }

    /// Throws unless the mechanism can read `count` parent columns (an expression's
    /// program may only read inputs below `count`).
    func validateInputs(count: Int) throws {
        guard case .expression(let expression, _) = self else { return }
        _ = try Expression(program: expression.program, inputCount: count)
    }

    /// Whether the mechanism's value is an affine function of its parents and noise
    /// (a constant Jacobian: then φ⁻¹ is affine when every mechanism is, and the
    /// closed forms of causal_at and the exact audit apply): roots, linear mechanisms,
    /// and expressions whose program is affine with the identity outer function.
    var isAffine: Bool {
        switch self {
        case .root, .linear: return true
        case .mlp: return false
        case .expression(let expression, let outer): return outer.kind == .identity && expression.isAffine
        }
    }

    /// The widths of the mechanism's hidden layers (none for a mechanism without any).
    var hiddenWidths: [Int] {
        if case .mlp(let hidden, _, _, _, _) = self { return hidden }
        return []
    }

    /// Number of parameters of a mechanism of this specification with `inputs` parent
    /// columns and `outputs` node columns (a Gumbel-max mechanism maps to its
    /// `DiscreteMechanism.logitCount` logits); throws `tooLarge` beyond `maximumElementCount`.
    func parameterCount(inputs: Int, outputs: Int, gumbelMax: Bool = false) throws -> Int {
        let outputs = gumbelMax ? DiscreteMechanism.logitCount(width: outputs) : outputs
        switch self {
        case .root, .expression: return 0
        case .linear: return try checkedProduct(inputs + 1, outputs, what: "the linear mechanism's parameters")
        case .mlp(let hidden, _, _, _, _):
            return try MultilayerPerceptron.checkedParameterCount(widths: [inputs] + hidden + [outputs])
        }
    }

    /// The mechanism fitted to predict `targets` from `inputs` (nil for a root).
    /// `droppedInputs` are left out of a linear design (collinear with its intercept);
    /// an MLP draws its initialisation and shuffling from `generator`. Throws when the
    /// least-squares problem is singular or the MLP diverges. With `gumbelMax` (a
    /// discrete node, `NodeSpecification.usesGumbelMax`) the linear or MLP map gives the
    /// logits of a `DiscreteMechanism`, fitted by maximum likelihood. Row `weights`
    /// (mean 1, `RowWeighting.normalised`; nil: all 1) weight every fit's per-row terms:
    /// weighted least squares, weighted likelihood, weighted minibatch losses.
    /// With `privacy`, MLP maps (continuous, or a discrete node's logits) are fitted by
    /// DP-SGD; linear maps ignore it (`StructuralCausalModel.fit` refuses them).
    func fitted(inputs: Matrix, targets: Matrix, weights: [Double]? = nil, droppedInputs: Set<Int>,
                gumbelMax: Bool = false, privacy: DifferentialPrivacy? = nil,
                generator: inout Xoshiro256StarStar) throws -> (any Mechanism)? {
        if gumbelMax {
            return try fittedDiscrete(inputs: inputs, targets: targets, weights: weights,
                                      droppedInputs: droppedInputs, privacy: privacy, generator: &generator)
        }
        switch self {
        case .root:
            return nil
        case .expression(let expression, let outer):
            return ExpressionMechanism(expression: expression, outer: outer)
        case .linear(let ridge):
            return try LinearMechanism(fittingInputs: inputs, targets: targets, rowWeights: weights, ridge: ridge,
                                       droppedInputs: droppedInputs)
        case .mlp(let hidden, let activation, let epochs, let batchSize, let learningRate):
            let mechanism = MLPMechanism(fittingInputs: inputs, targets: targets, weights: weights, hidden: hidden,
                                         activation: activation, epochs: epochs, batchSize: batchSize,
                                         learningRate: learningRate, privacy: privacy, generator: &generator)
            guard mechanism.network.parameters.allSatisfy({ $0.isFinite }) else {
                throw CausalFairError.computation("the MLP diverged (lower the learning rate)")
            }
            return mechanism
        }
    }

    /// The Gumbel-max mechanism whose logits this specification's map gives.
    private func fittedDiscrete(inputs: Matrix, targets: Matrix, weights: [Double]?, droppedInputs: Set<Int>,
                                privacy: DifferentialPrivacy?, generator: inout Xoshiro256StarStar) throws -> (any Mechanism)? {
        switch self {
        case .root:
            return nil
        case .expression:
            throw CausalFairError.invalidArgument("an expression mechanism needs a continuous node")
        case .linear(let ridge):
            return try DiscreteMechanism(fittingLinearInputs: inputs, targets: targets, weights: weights,
                                         ridge: ridge, droppedInputs: droppedInputs)
        case .mlp(let hidden, let activation, let epochs, let batchSize, let learningRate):
            let mechanism = DiscreteMechanism(fittingNetworkInputs: inputs, targets: targets, weights: weights,
                                              hidden: hidden, activation: activation, epochs: epochs,
                                              batchSize: batchSize, learningRate: learningRate, privacy: privacy,
                                              generator: &generator)
            guard mechanism.parameters.allSatisfy({ $0.isFinite }) else {
                throw CausalFairError.computation("the MLP diverged (lower the learning rate)")
            }
            return mechanism
        }
    }

    /// The mechanism of this specification with flat `parameters` (as its `parameters`
    /// exports them; `parameterCount(inputs:outputs:gumbelMax:)` of them), nil for a root.
    /// Bit-exact inverse of `Mechanism.parameters`.
    func mechanism(inputs: Int, outputs: Int, gumbelMax: Bool = false,
                   parameters: ArraySlice<Double>) throws -> (any Mechanism)? {
        if gumbelMax {
            let logits = DiscreteMechanism.logitCount(width: outputs)
            switch self {
            case .root:
                return nil
            case .expression:
                throw CausalFairError.invalidArgument("an expression mechanism needs a continuous node")
            case .linear:
                return DiscreteMechanism(logitModel: .linear(
                    try LinearMechanism(inputs: inputs, outputs: logits, parameters: parameters)))
            case .mlp(let hidden, let activation, _, _, _):
                return DiscreteMechanism(logitModel: .mlp(
                    try MultilayerPerceptron(widths: [inputs] + hidden + [logits], activation: activation,
                                             parameters: Array(parameters))))
            }
        }
        switch self {
        case .root:
            return nil
        case .linear:
            return try LinearMechanism(inputs: inputs, outputs: outputs, parameters: parameters)
        case .mlp(let hidden, let activation, _, _, _):
            return MLPMechanism(network: try MultilayerPerceptron(widths: [inputs] + hidden + [outputs],
                                                                  activation: activation, parameters: Array(parameters)))
        case .expression(let expression, let outer):
            return ExpressionMechanism(expression: expression, outer: outer)
        }
    }
}
