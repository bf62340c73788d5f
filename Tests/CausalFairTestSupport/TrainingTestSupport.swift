@testable import CausalFairCore

// Helpers of the training and second-order tests (Training*.swift, SecondOrder*.swift):
// tolerances, networks with generic parameters, reference data. Every name starts with
// `training`; the generic helpers (finite differences, norms, matrices) are the shared
// ones in TestSupport.swift. Helpers over the core's internal training types stay in the
// test target (TrainingBatchSupport.swift): a library target cannot expose them.

// MARK: - Finite differences and comparisons

/// The largest violation of |a − e| ≤ absolute + relative · max(|a|, |e|), as a
/// multiple of the allowed error (≤ 1 means every entry is close); infinity when the
/// lengths differ.
public func trainingWorstRatio(_ actual: [Double], _ expected: [Double], relative: Double = 1e-5,
                               absolute: Double = 1e-7) -> Double {
    guard actual.count == expected.count else { return .infinity }
    var worst = 0.0
    for (a, e) in zip(actual, expected) {
        guard a.isFinite, e.isFinite else { return .infinity }
        let allowed = absolute + relative * max(abs(a), abs(e))
        worst = max(worst, abs(a - e) / allowed)
    }
    return worst
}

/// Whether two vectors agree entry by entry to relative tolerance `relative` with an
/// absolute floor `absolute`.
public func trainingClose(_ actual: [Double], _ expected: [Double], relative: Double = 1e-5, absolute: Double = 1e-7) -> Bool {
    trainingWorstRatio(actual, expected, relative: relative, absolute: absolute) <= 1
}

// MARK: - Matrices and networks

/// A network with generic (normal, scale `scale`) parameters, so that no
/// pre-activation, gap or argmax sits on a tie.
public func trainingNetwork(_ widths: [Int], _ activation: Activation, seed: UInt64, scale: Double = 0.7) throws -> MultilayerPerceptron {
    var generator = Xoshiro256StarStar(seed: seed)
    let count = MultilayerPerceptron.parameterCount(widths: widths)
    return try MultilayerPerceptron(widths: widths, activation: activation,
                                    parameters: (0..<count).map { _ in scale * generator.normal() })
}

/// The same architecture with other parameters.
public func trainingWithParameters(_ model: MultilayerPerceptron, _ parameters: [Double]) throws -> MultilayerPerceptron {
    try MultilayerPerceptron(widths: model.widths, activation: model.activation, parameters: parameters)
}

/// Pre-activations of every hidden layer, computed independently of the engine
/// (plain loops), to keep ReLU finite differences away from kinks.
public func trainingPreActivations(_ model: MultilayerPerceptron, _ x: Matrix) -> [[Double]] {
    var result: [[Double]] = []
    var offset = 0
    for r in 0..<x.rows {
        var a = row(x, r)
        offset = 0
        for (layer, (fanIn, fanOut)) in zip(model.widths, model.widths.dropFirst()).enumerated() {
            var z = [Double](repeating: 0, count: fanOut)
            for j in 0..<fanOut {
                var s = model.parameters[offset + fanIn * fanOut + j]
                for i in 0..<fanIn { s += a[i] * model.parameters[offset + i * fanOut + j] }
                z[j] = s
            }
            offset += (fanIn + 1) * fanOut
            if layer < model.widths.count - 2 {
                result.append(z)
                a = z.map { model.activation == .tanh ? hyperbolicTangent($0) : max($0, 0) }
            }
        }
    }
    return result
}

/// The smallest |pre-activation| of any hidden unit over the batch (infinity without
/// hidden layers).
public func trainingSmallestPreActivation(_ model: MultilayerPerceptron, _ x: Matrix) -> Double {
    trainingPreActivations(model, x).flatMap { $0 }.map(abs).min() ?? .infinity
}

// MARK: - Reference data: the LIN SCM

/// The LIN SCM of the training issue, over columns [S, X1, X2]:
///
///     S  binary sensitive root, S ~ Bernoulli(0.5)
///     X1 = 2 S + U1,        U1 ~ N(0, 1)
///     X2 = S − X1 + U2,     U2 ~ N(0, 1)
///     y  ~ Bernoulli(σ(X1 + X2))
public enum TrainingLIN {
    /// Node specifications with the given mechanism for X1 and X2.
    public static func nodes(_ mechanism: MechanismSpecification = .linear(ridge: 0)) -> [NodeSpecification] {
        [
            NodeSpecification(kind: .binary, isSensitive: true),
            NodeSpecification(kind: .continuous, parents: [0], mechanism: mechanism),
            NodeSpecification(kind: .continuous, parents: [0, 1], mechanism: mechanism),
        ]
    }

    /// `rows` rows of features and labels.
    public static func sample(rows: Int, seed: UInt64) -> (x: Matrix, labels: [Double]) {
        var generator = Xoshiro256StarStar(seed: seed)
        var x = Matrix(rows: rows, cols: 3)
        var labels = [Double](repeating: 0, count: rows)
        for r in 0..<rows {
            let s = generator.bernoulli(0.5)
            let x1 = 2 * s + generator.normal()
            let x2 = s - x1 + generator.normal()
            x[r, 0] = s
            x[r, 1] = x1
            x[r, 2] = x2
            labels[r] = generator.bernoulli(sigmoid(x1 + x2))
        }
        return (x, labels)
    }

    /// A fitted LIN SCM (linear mechanisms by default) and the data it was fitted on.
    public static func fitted(rows: Int = 2_000, seed: UInt64 = 7,
                              mechanism: MechanismSpecification = .linear(ridge: 0)) throws
        -> (scm: StructuralCausalModel, x: Matrix, labels: [Double]) {
        var scm = try StructuralCausalModel(nodes: nodes(mechanism))
        let (x, labels) = sample(rows: rows, seed: seed)
        try scm.fit(x, seed: 3)
        return (scm, x, labels)
    }
}

/// An SCM with MLP mechanisms, a sensitive node and an immutable node, over columns
/// [S, A, X1, X2]:
///
///     S  binary sensitive root
///     A  continuous immutable root
///     X1 = mlp(S, A) + U1
///     X2 = mlp(S, X1, A) + U2
public enum TrainingNonlinearSCM {
    public static let mechanism = MechanismSpecification.mlp(hidden: [8], activation: .tanh, epochs: 3, batchSize: 32,
                                                      learningRate: 0.01)

    public static func fitted(rows: Int = 400, seed: UInt64 = 17) throws -> (scm: StructuralCausalModel, x: Matrix, labels: [Double]) {
        var scm = try StructuralCausalModel(nodes: [
            NodeSpecification(kind: .binary, isSensitive: true),
            NodeSpecification(kind: .continuous, isImmutable: true),
            NodeSpecification(kind: .continuous, parents: [0, 1], mechanism: mechanism),
            NodeSpecification(kind: .continuous, parents: [0, 2, 1], mechanism: mechanism),
        ])
        var generator = Xoshiro256StarStar(seed: seed)
        var x = Matrix(rows: rows, cols: 4)
        var labels = [Double](repeating: 0, count: rows)
        for r in 0..<rows {
            let s = generator.bernoulli(0.5)
            let a = generator.normal()
            let x1 = hyperbolicTangent(a + s) + 0.5 * generator.normal()
            let x2 = s - x1 * x1 + 0.5 * a + 0.5 * generator.normal()
            x[r, 0] = s
            x[r, 1] = a
            x[r, 2] = x1
            x[r, 3] = x2
            labels[r] = generator.bernoulli(sigmoid(x1 + x2))
        }
        try scm.fit(x, seed: 5)
        return (scm, x, labels)
    }
}

// MARK: - Batches and objectives

/// The point a single-row batch's BCE gradient was taken at, recovered from the
/// gradient of the first layer: ∂/∂W₁[i, j] = x_i · ∂/∂b₁[j] for one row.
public func trainingRecoveredPoint(_ gradient: [Double], widths: [Int]) -> [Double] {
    let fanIn = widths[0], fanOut = widths[1]
    let biasGradients = (0..<fanOut).map { gradient[fanIn * fanOut + $0] }
    let j = biasGradients.indices.max { abs(biasGradients[$0]) < abs(biasGradients[$1]) } ?? 0
    return (0..<fanIn).map { gradient[$0 * fanOut + j] / biasGradients[j] }
}

/// Mean BCE of a network's logits on (x, labels), by plain loops.
public func trainingMeanBCE(_ model: MultilayerPerceptron, _ x: Matrix, _ labels: [Double]) -> Double {
    let logits = model(x).storage
    return zip(logits, labels).reduce(0) { $0 + softplus($1.0) - $1.1 * $1.0 } / Double(labels.count)
}

/// BCE of every row of `x` for one label.
public func trainingBCEs(_ model: MultilayerPerceptron, _ x: Matrix, label: Double) -> [Double] {
    model(x).storage.map { softplus($0) - label * $0 }
}

// MARK: - Errors

/// Whether `body` throws a `CausalFairError` of the case `expected` (compared by the
/// case only, as `ErrorKind`, not by the message).
public func trainingThrows<T>(_ expected: CausalFairError, _ body: () throws -> T) -> Bool {
    thrownError(body)?.kind == expected.kind
}
