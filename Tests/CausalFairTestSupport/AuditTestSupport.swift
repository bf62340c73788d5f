@testable import CausalFairCore

// Helpers of the audit tests (Audit*.swift). Every name starts with `audit` or
// `Audit` so nothing collides with the other suites' helpers. Logits, predictions and
// closed forms are computed here with plain loops, independently of the engine's
// BLAS paths.

// MARK: - Reference SCMs

/// A two-dimensional linear SCM over columns [S, X1, X2] (perturbable latent
/// coordinates U1, U2):
///
///     S  binary sensitive root, S ~ Bernoulli(0.4)
///     X1 = 1.5 S + 0.3 + U1,              U1 ~ N(0, 1)
///     X2 = −0.5 S + 0.8 X1 − 0.2 + U2,    U2 ~ N(0, 0.7)
public enum AuditLIN {
    public static let columns = 3

    public static func nodes(_ mechanism: MechanismSpecification = .linear(ridge: 0)) -> [NodeSpecification] {
        [
            NodeSpecification(kind: .binary, isSensitive: true),
            NodeSpecification(kind: .continuous, parents: [0], mechanism: mechanism),
            NodeSpecification(kind: .continuous, parents: [0, 1], mechanism: mechanism),
        ]
    }

    public static func sample(rows: Int, seed: UInt64) -> Matrix {
        var generator = Xoshiro256StarStar(seed: seed)
        var x = Matrix(rows: rows, cols: columns)
        for r in 0..<rows {
            let s = generator.bernoulli(0.4)
            let x1 = 1.5 * s + 0.3 + generator.normal()
            let x2 = -0.5 * s + 0.8 * x1 - 0.2 + 0.7 * generator.normal()
            x[r, 0] = s
            x[r, 1] = x1
            x[r, 2] = x2
        }
        return x
    }

    /// The SCM fitted (linear least squares) on `rows` sampled rows, and its space.
    public static func fitted(rows: Int = 1_000, seed: UInt64 = 21) throws -> (scm: StructuralCausalModel, space: LatentSpace) {
        var scm = try StructuralCausalModel(nodes: nodes())
        try scm.fit(sample(rows: rows, seed: seed), seed: 2)
        return (scm, try LatentSpace(scm: scm, columns: columns))
    }

    /// The fitted coefficient of X1 in X2's mechanism (parents [S, X1]).
    public static func fittedX1Effect(_ scm: StructuralCausalModel) -> Double? {
        linearMechanism(scm, 2)?.weights[1, 0]
    }

    /// Jᵀw for J = ∂φ⁻¹/∂(U1, U2) = [[0, 0], [1, 0], [c, 1]], computed by hand.
    public static func projectedWeights(_ w: [Double], x1Effect c: Double) -> [Double] {
        [w[1] + c * w[2], w[2]]
    }
}

/// A linear SCM with a `levels`-level categorical sensitive node, over columns
/// [S (one-hot), X1, X2]: X1 = 0.3 level + U1, X2 = 0.5 X1 − 0.1 level + U2. With many
/// levels, few rows already make the audit process its input in several chunks.
public struct AuditManyLevels: Sendable {
    public let levels: Int

    public init(levels: Int) { self.levels = levels }
    public var columns: Int { levels + 2 }

    public func nodes() -> [NodeSpecification] {
        [
            NodeSpecification(kind: .categorical(levels: levels), isSensitive: true),
            NodeSpecification(kind: .continuous, parents: [0], mechanism: .linear(ridge: 0)),
            NodeSpecification(kind: .continuous, parents: [0, 1], mechanism: .linear(ridge: 0)),
        ]
    }

    /// `rows` rows; the first `levels` rows visit every level once.
    public func sample(rows: Int, seed: UInt64) -> Matrix {
        var generator = Xoshiro256StarStar(seed: seed)
        var x = Matrix(rows: rows, cols: columns)
        for r in 0..<rows {
            let level = r < levels ? r : generator.index(below: levels)
            let x1 = 0.3 * Double(level % 10) + generator.normal()
            let x2 = 0.5 * x1 - 0.1 * Double(level % 7) + generator.normal()
            x[r, level] = 1
            x[r, levels] = x1
            x[r, levels + 1] = x2
        }
        return x
    }

    public func fitted(rows: Int, seed: UInt64 = 31) throws -> (scm: StructuralCausalModel, space: LatentSpace) {
        var scm = try StructuralCausalModel(nodes: nodes())
        try scm.fit(sample(rows: rows, seed: seed), seed: 4)
        return (scm, try LatentSpace(scm: scm, columns: columns))
    }
}

/// Ten levels (twelve columns).
public enum AuditTenLevels {
    public static let model = AuditManyLevels(levels: 10)
    public static let columns = model.columns
    public static func sample(rows: Int, seed: UInt64) -> Matrix { model.sample(rows: rows, seed: seed) }
    public static func fitted() throws -> (scm: StructuralCausalModel, space: LatentSpace) { try model.fitted(rows: 1_000) }
}

// MARK: - Classifiers

/// Logistic regression g(x) = wᵀx + b as a network of widths [D, 1].
public func auditLogistic(_ w: [Double], _ b: Double) throws -> MultilayerPerceptron {
    try MultilayerPerceptron(widths: [w.count, 1], activation: .tanh, parameters: w + [b])
}

/// A random logistic classifier: w ~ N(0, I), b ~ N(0, 1), and τ ~ N(0, 0.25) — or,
/// given data `x`, τ at a uniform random quantile in [0.15, 0.85] of its logits, so
/// that both classes are well represented.
public func auditRandomLogistic(columns: Int, generator: inout Xoshiro256StarStar, x: Matrix? = nil)
    -> (w: [Double], b: Double, threshold: Double) {
    let w = (0..<columns).map { _ in generator.normal() }
    let b = generator.normal()
    guard let x else { return (w, b, 0.5 * generator.normal()) }
    let logits = auditPlainLogits(w, b, x).sorted()
    let position = Int((0.15 + 0.7 * generator.uniform()) * Double(logits.count - 1))
    return (w, b, 0.5 * (logits[position] + logits[position + 1]))
}

/// wᵀx_r + b for every row, by plain loops.
public func auditPlainLogits(_ w: [Double], _ b: Double, _ x: Matrix) -> [Double] {
    (0..<x.rows).map { r in
        var sum = b
        for c in 0..<x.cols { sum += w[c] * x[r, c] }
        return sum
    }
}

/// The exact margins of the closed form for a linear classifier: for every row r and
/// level s (all levels, or the factual one), the extreme logit of twin s's ball toward
/// the other class minus τ (`g(x_s) − hw − τ` for a positive row, `g(x_s) + hw − τ`
/// for a negative one), from the twins of `scm.twins` and `halfWidth` = Δ‖Jᵀw‖.
/// A row is unfair iff some margin has the other class's sign (≤ 0 for a positive
/// row, > 0 for a negative one).
public func auditExactMargins(scm: StructuralCausalModel, w: [Double], b: Double, threshold: Double, x: Matrix,
                              halfWidth: Double, factualOnly: Bool) throws -> (own: [Bool], margins: [[Double]]) {
    let twins = try scm.twins(x)
    let levels = scm.twinLevelCount
    let factual = try scm.factualLevels(x)
    let twinLogits = auditPlainLogits(w, b, twins)
    let own = auditPlainLogits(w, b, x).map { $0 > threshold }
    var margins: [[Double]] = []
    for r in 0..<x.rows {
        let considered: [Int] = factualOnly ? [factual[r]] : Array(0..<levels)
        let shift: Double = own[r] ? -halfWidth : halfWidth
        margins.append(considered.map { (s: Int) -> Double in twinLogits[r * levels + s] + shift - threshold })
    }
    return (own, margins)
}

/// Flags from `auditExactMargins`.
public func auditFlags(own: [Bool], margins: [[Double]]) -> [Bool] {
    zip(own, margins).map { positive, m in m.contains { positive ? $0 <= 0 : $0 > 0 } }
}

// MARK: - Audits

/// An audit of `model` in `space` at threshold τ, run on `x`.
public func auditRun(_ model: MultilayerPerceptron, _ space: LatentSpace, threshold: Double, _ x: Matrix, radius: Double,
                     factualOnly: Bool = false, method: AuditMethod, seed: UInt64 = 1) throws -> AuditResult {
    try UnfairnessAudit(model: model, space: space, logitThreshold: threshold)
        .run(x, radius: radius, factualOnly: factualOnly, method: method, seed: seed)
}

/// The default attack of the audit tests.
public let auditAttack = AuditMethod.attack(steps: 10, restarts: 2, stepSize: 0)

/// Indices where `a` is set and `b` is not (a ⊄ b witnesses).
public func auditNotContained(_ a: [Bool], in b: [Bool]) -> [Int] {
    a.indices.filter { a[$0] && !b[$0] }
}

/// A threshold between two data logits (never equal to one): the midpoint of the
/// middle pair of the sorted `logits`.
public func auditMedianThreshold(_ logits: [Double]) -> Double {
    let sorted = logits.sorted()
    return 0.5 * (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2])
}

/// Number of set flags.
public func auditCount(_ flags: [Bool]) -> Int { flags.filter { $0 }.count }
