@testable import CausalFairCore

// Helpers of the training and second-order tests (Training*.swift, SecondOrder*.swift).
// Self-contained: every name starts with `training` so it cannot collide with the
// SCM tests' shared helpers.

// MARK: - Finite differences and comparisons

/// Central finite-difference gradient of `f` at `x` with step `h`.
func trainingFiniteDifference(_ f: ([Double]) throws -> Double, at x: [Double], h: Double = 1e-6) rethrows -> [Double] {
    var gradient = [Double](repeating: 0, count: x.count)
    var point = x
    for i in x.indices {
        point[i] = x[i] + h
        let up = try f(point)
        point[i] = x[i] - h
        let down = try f(point)
        point[i] = x[i]
        gradient[i] = (up - down) / (2 * h)
    }
    return gradient
}

/// The largest violation of |a − e| ≤ absolute + relative · max(|a|, |e|), as a
/// multiple of the allowed error (≤ 1 means every entry is close); infinity when the
/// lengths differ.
func trainingWorstRatio(_ actual: [Double], _ expected: [Double], relative: Double = 1e-5,
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
func trainingClose(_ actual: [Double], _ expected: [Double], relative: Double = 1e-5, absolute: Double = 1e-7) -> Bool {
    trainingWorstRatio(actual, expected, relative: relative, absolute: absolute) <= 1
}

/// Largest absolute entry-wise difference (infinity for different lengths).
func trainingMaxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Euclidean norm.
func trainingNorm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

/// Bitwise equality of two vectors.
func trainingBitIdentical(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}

// MARK: - Matrices and networks

/// A `rows` x `cols` matrix of independent normals times `scale`.
func trainingRandomMatrix(rows: Int, cols: Int, scale: Double = 1, generator: inout Xoshiro256StarStar) -> Matrix {
    var m = Matrix(rows: rows, cols: cols)
    for i in m.storage.indices { m.storage[i] = scale * generator.normal() }
    return m
}

/// A matrix from its rows.
func trainingMatrix(_ rows: [[Double]]) -> Matrix {
    var m = Matrix(rows: rows.count, cols: rows.first?.count ?? 0)
    for (r, values) in rows.enumerated() { for (c, v) in values.enumerated() { m[r, c] = v } }
    return m
}

/// Row `r` of `m`.
func trainingRow(_ m: Matrix, _ r: Int) -> [Double] { (0..<m.cols).map { m[r, $0] } }

/// A network with generic (normal, scale `scale`) parameters, so that no
/// pre-activation, gap or argmax sits on a tie.
func trainingNetwork(_ widths: [Int], _ activation: Activation, seed: UInt64, scale: Double = 0.7) throws -> MultilayerPerceptron {
    var generator = Xoshiro256StarStar(seed: seed)
    let count = MultilayerPerceptron.parameterCount(widths: widths)
    return try MultilayerPerceptron(widths: widths, activation: activation,
                                    parameters: (0..<count).map { _ in scale * generator.normal() })
}

/// The same architecture with other parameters.
func trainingWithParameters(_ model: MultilayerPerceptron, _ parameters: [Double]) throws -> MultilayerPerceptron {
    try MultilayerPerceptron(widths: model.widths, activation: model.activation, parameters: parameters)
}

/// Pre-activations of every hidden layer, computed independently of the engine
/// (plain loops), to keep ReLU finite differences away from kinks.
func trainingPreActivations(_ model: MultilayerPerceptron, _ x: Matrix) -> [[Double]] {
    var result: [[Double]] = []
    var offset = 0
    for r in 0..<x.rows {
        var a = trainingRow(x, r)
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
func trainingSmallestPreActivation(_ model: MultilayerPerceptron, _ x: Matrix) -> Double {
    trainingPreActivations(model, x).flatMap { $0 }.map(abs).min() ?? .infinity
}

// MARK: - Reference data: the LIN SCM

/// The LIN SCM of the training issue, over columns [S, X1, X2]:
///
///     S  binary sensitive root, S ~ Bernoulli(0.5)
///     X1 = 2 S + U1,        U1 ~ N(0, 1)
///     X2 = S − X1 + U2,     U2 ~ N(0, 1)
///     y  ~ Bernoulli(σ(X1 + X2))
enum TrainingLIN {
    /// Node specifications with the given mechanism for X1 and X2.
    static func nodes(_ mechanism: MechanismSpecification = .linear(ridge: 0)) -> [NodeSpecification] {
        [
            NodeSpecification(kind: .binary, isSensitive: true),
            NodeSpecification(kind: .continuous, parents: [0], mechanism: mechanism),
            NodeSpecification(kind: .continuous, parents: [0, 1], mechanism: mechanism),
        ]
    }

    /// `rows` rows of features and labels.
    static func sample(rows: Int, seed: UInt64) -> (x: Matrix, labels: [Double]) {
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
    static func fitted(rows: Int = 2_000, seed: UInt64 = 7,
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
enum TrainingNonlinearSCM {
    static let mechanism = MechanismSpecification.mlp(hidden: [8], activation: .tanh, epochs: 3, batchSize: 32,
                                                      learningRate: 0.01)

    static func fitted(rows: Int = 400, seed: UInt64 = 17) throws -> (scm: StructuralCausalModel, x: Matrix, labels: [Double]) {
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

/// A batch of rows `rows` of (x, labels) in `space`, with all twins when `withTwins`.
func trainingBatch(_ x: Matrix, _ labels: [Double], rows: [Int], space: LatentSpace,
                   withTwins: Bool = true) throws -> TrainingBatch {
    let bx = x.gatherRows(rows)
    let latent = try space.phi(bx)
    let twins = withTwins ? try Trainer.allTwins(latent, space: space) : nil
    return TrainingBatch(x: bx, labels: rows.map { labels[$0] }, latent: latent, twins: twins,
                         levelCount: space.levelCount)
}

/// The objective of `model` under `configuration` in `space` (with the constant
/// Jacobian when the model is linear, as the trainer passes it).
func trainingObjective(_ model: MultilayerPerceptron, _ configuration: TrainingConfiguration,
                       space: LatentSpace) throws -> ObjectiveContext {
    let jacobian = model.widths.count == 2 ? try space.constantJacobian() : nil
    return ObjectiveContext(model: model, configuration: configuration, space: space, jacobian: jacobian)
}

/// The point a single-row batch's BCE gradient was taken at, recovered from the
/// gradient of the first layer: ∂/∂W₁[i, j] = x_i · ∂/∂b₁[j] for one row.
func trainingRecoveredPoint(_ gradient: [Double], widths: [Int]) -> [Double] {
    let fanIn = widths[0], fanOut = widths[1]
    let biasGradients = (0..<fanOut).map { gradient[fanIn * fanOut + $0] }
    let j = biasGradients.indices.max { abs(biasGradients[$0]) < abs(biasGradients[$1]) } ?? 0
    return (0..<fanIn).map { gradient[$0 * fanOut + j] / biasGradients[j] }
}

/// Mean BCE of a network's logits on (x, labels), by plain loops.
func trainingMeanBCE(_ model: MultilayerPerceptron, _ x: Matrix, _ labels: [Double]) -> Double {
    let logits = model(x).storage
    return zip(logits, labels).reduce(0) { $0 + softplus($1.0) - $1.1 * $1.0 } / Double(labels.count)
}

/// BCE of every row of `x` for one label.
func trainingBCEs(_ model: MultilayerPerceptron, _ x: Matrix, label: Double) -> [Double] {
    model(x).storage.map { softplus($0) - label * $0 }
}

// MARK: - Errors

/// Whether `body` throws a `CausalFairError` of the case `expected` (compared by the
/// case name only).
func trainingThrows<T>(_ expected: CausalFairError, _ body: () throws -> T) -> Bool {
    do {
        _ = try body()
        return false
    } catch let error as CausalFairError {
        return trainingCaseName(error) == trainingCaseName(expected)
    } catch {
        return false
    }
}

/// The case name of an error ("invalidArgument", ...).
func trainingCaseName(_ error: CausalFairError) -> String {
    switch error {
    case .invalidArgument: return "invalidArgument"
    case .invalidType: return "invalidType"
    case .tooLarge: return "tooLarge"
    case .computation: return "computation"
    case .unknownNode: return "unknownNode"
    case .interrupted: return "interrupted"
    }
}
