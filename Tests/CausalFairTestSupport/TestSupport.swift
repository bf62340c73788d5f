@testable import CausalFairCore

// Shared helpers for the engine tests (the `CausalFairTestSupport` target, used by every
// Swift test target): small matrix builders, statistics, a finite difference helper,
// error classification, and reference SCMs with known mechanisms whose data are sampled
// here from known noise. Helpers are `public` so that the test targets see them; they
// reach the core's internals through `@testable import` (debug builds are testable).

// MARK: - Matrices

/// A matrix from its rows (all of the same length).
public func matrix(_ rows: [[Double]]) -> Matrix {
    let cols = rows.first?.count ?? 0
    var m = Matrix(rows: rows.count, cols: cols)
    for (r, row) in rows.enumerated() {
        for (c, value) in row.enumerated() { m[r, c] = value }
    }
    return m
}

/// A `rows` x `cols` matrix of independent normals with standard deviation `scale`.
public func randomMatrix(rows: Int, cols: Int, scale: Double = 1, generator: inout Xoshiro256StarStar) -> Matrix {
    var m = Matrix(rows: rows, cols: cols)
    for i in m.storage.indices { m.storage[i] = scale * generator.normal() }
    return m
}

/// Row `r` of `m` as an array.
public func row(_ m: Matrix, _ r: Int) -> [Double] {
    (0..<m.cols).map { m[r, $0] }
}

/// Column `c` of `m` as an array.
public func column(_ m: Matrix, _ c: Int) -> [Double] {
    (0..<m.rows).map { m[$0, c] }
}

/// op(a) op(b) by the textbook triple loop.
public func naiveMultiply(_ a: Matrix, _ b: Matrix, transposeA: Bool, transposeB: Bool) -> Matrix {
    let m = transposeA ? a.cols : a.rows
    let k = transposeA ? a.rows : a.cols
    let n = transposeB ? b.rows : b.cols
    var c = Matrix(rows: m, cols: n)
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for l in 0..<k {
                let x = transposeA ? a[l, i] : a[i, l]
                let y = transposeB ? b[j, l] : b[l, j]
                sum += x * y
            }
            c[i, j] = sum
        }
    }
    return c
}

/// The largest absolute element-wise difference (infinity when the shapes differ).
public func maxAbsDifference(_ a: Matrix, _ b: Matrix) -> Double {
    guard a.rows == b.rows, a.cols == b.cols else { return .infinity }
    return zip(a.storage, b.storage).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// The largest absolute element-wise difference of two vectors.
public func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Bitwise equality of two matrices (distinguishes -0 from 0 and compares NaN payloads).
public func bitIdentical(_ a: Matrix, _ b: Matrix) -> Bool {
    a.rows == b.rows && a.cols == b.cols && zip(a.storage, b.storage).allSatisfy { $0.bitPattern == $1.bitPattern }
}

/// Bitwise equality of two vectors.
public func bitIdentical(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}

/// Euclidean norm.
public func norm(_ v: [Double]) -> Double {
    v.reduce(0) { $0 + $1 * $1 }.squareRoot()
}

// MARK: - Statistics

public func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }

/// Population variance.
public func variance(_ v: [Double]) -> Double {
    let m = mean(v)
    return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)
}

/// Standard error of a proportion p estimated from n Bernoulli trials.
public func proportionStandardError(_ p: Double, _ n: Int) -> Double {
    (p * (1 - p) / Double(n)).squareRoot()
}

/// Ordinary least squares of `y` on the columns `x` with an intercept, solved by the
/// normal equations in plain Swift (independent of the engine's BLAS and Cholesky).
/// With `weights`, weighted least squares: minimises Σ_r w_r (y_r − x_r β − b)².
/// Returns the coefficients, then the intercept.
public func referenceLeastSquares(_ x: [[Double]], _ y: [Double], weights: [Double]? = nil) -> [Double] {
    let p = x.count + 1
    let n = y.count
    var gram = [[Double]](repeating: [Double](repeating: 0, count: p + 1), count: p)
    for r in 0..<n {
        let features = x.map { $0[r] } + [1]
        let weight = weights?[r] ?? 1
        for i in 0..<p {
            for j in 0..<p { gram[i][j] += weight * features[i] * features[j] }
            gram[i][p] += weight * features[i] * y[r]
        }
    }
    // Gauss-Jordan with partial pivoting on the augmented system.
    for col in 0..<p {
        let pivot = (col..<p).max { abs(gram[$0][col]) < abs(gram[$1][col]) } ?? col
        gram.swapAt(col, pivot)
        let diagonal = gram[col][col]
        for j in col...p { gram[col][j] /= diagonal }
        for i in 0..<p where i != col {
            let factor = gram[i][col]
            for j in col...p { gram[i][j] -= factor * gram[col][j] }
        }
    }
    return (0..<p).map { gram[$0][p] }
}

// MARK: - Finite differences

/// Central finite-difference gradient of `f` at `x` with step `h`.
public func finiteDifferenceGradient(_ f: ([Double]) throws -> Double, at x: [Double], h: Double = 1e-6) rethrows -> [Double] {
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

/// True when `actual` matches `expected` to relative tolerance `relative`, with an
/// absolute floor `absolute` for entries near zero.
public func isClose(_ actual: Double, _ expected: Double, relative: Double = 1e-5, absolute: Double = 1e-7) -> Bool {
    abs(actual - expected) <= absolute + relative * max(abs(actual), abs(expected))
}

/// Element-wise `isClose` for vectors of the same length.
public func allClose(_ actual: [Double], _ expected: [Double], relative: Double = 1e-5, absolute: Double = 1e-7) -> Bool {
    actual.count == expected.count
        && zip(actual, expected).allSatisfy { isClose($0, $1, relative: relative, absolute: absolute) }
}

// MARK: - Errors

/// The case of a `CausalFairError`, without its message (`other` for a case this
/// file does not list, so new engine cases do not break the tests).
public enum ErrorKind: String, Equatable {
    case invalidArgument, invalidType, tooLarge, computation, unknownNode, interrupted, other
}

extension CausalFairError {
    public var kind: ErrorKind {
        Mirror(reflecting: self).children.first?.label.flatMap(ErrorKind.init(rawValue:)) ?? .other
    }
}

/// What `body` threw: a `CausalFairError`, or nil when it returned normally. Any
/// other error type is reported as `invalidType("foreign error ...")` so a test
/// expecting a specific kind fails visibly.
public func thrownError<T>(_ body: () throws -> T) -> CausalFairError? {
    do {
        _ = try body()
        return nil
    } catch let error as CausalFairError {
        return error
    } catch {
        return .invalidType("foreign error \(error)")
    }
}

// MARK: - Reference SCMs

/// The linear reference SCM (node indices):
///
///     0  S  binary, sensitive root, S ~ Bernoulli(0.5)
///     1  A  continuous root, A ~ Normal(1, 1.5)
///     2  X1 = 2 S + U1,                U1 ~ Normal(0, 1)
///     3  X2 = S - X1 + 0.5 A + 1 + U2,  U2 ~ Normal(0, 0.5)
///
/// `immutableA` marks A immutable (excluded from the perturbation ball).
public enum LinearReference {
    public static let s = 0, a = 1, x1 = 2, x2 = 3
    /// True weights of X1 on its parents [S].
    public static let x1Weights = [2.0], x1Bias = 0.0, x1NoiseScale = 1.0
    /// True weights of X2 on its parents [S, X1, A].
    public static let x2Weights = [1.0, -1.0, 0.5], x2Bias = 1.0, x2NoiseScale = 0.5
    public static let aMean = 1.0, aScale = 1.5

    /// Total effect of S on X2 in the true model: 1 + (-1)(2) = -1.
    public static let trueTotalEffectOnX2 = -1.0

    public static func nodes(immutableA: Bool = false, noise: Bool = false) -> [NodeSpecification] {
        [
            NodeSpecification(kind: .binary, isSensitive: true,
                              noise: noise ? .bernoulli(p: 0.5) : .empirical),
            NodeSpecification(kind: .continuous, isImmutable: immutableA,
                              noise: noise ? .normal(loc: aMean, scale: aScale) : .empirical),
            NodeSpecification(kind: .continuous, parents: [s], mechanism: .linear(ridge: 0),
                              noise: noise ? .normal(loc: 0, scale: x1NoiseScale) : .empirical),
            NodeSpecification(kind: .continuous, parents: [s, x1, a], mechanism: .linear(ridge: 0),
                              noise: noise ? .normal(loc: 0, scale: x2NoiseScale) : .empirical),
        ]
    }

    /// `rows` rows sampled from the true model, with the true noise (columns S, A, U1, U2).
    public static func sample(rows: Int, seed: UInt64) -> (data: Matrix, noise: Matrix) {
        var generator = Xoshiro256StarStar(seed: seed)
        var data = Matrix(rows: rows, cols: 4)
        var noise = Matrix(rows: rows, cols: 4)
        for r in 0..<rows {
            let sValue = generator.bernoulli(0.5)
            let aValue = generator.normal(mean: aMean, standardDeviation: aScale)
            let u1 = generator.normal(mean: 0, standardDeviation: x1NoiseScale)
            let u2 = generator.normal(mean: 0, standardDeviation: x2NoiseScale)
            let x1Value = x1Weights[0] * sValue + x1Bias + u1
            let x2Value = x2Weights[0] * sValue + x2Weights[1] * x1Value + x2Weights[2] * aValue + x2Bias + u2
            data.storage.replaceSubrange((r * 4)..<(r * 4 + 4), with: [sValue, aValue, x1Value, x2Value])
            noise.storage.replaceSubrange((r * 4)..<(r * 4 + 4), with: [sValue, aValue, u1, u2])
        }
        return (data, noise)
    }

    /// An unfitted model.
    public static func model(immutableA: Bool = false, noise: Bool = false) throws -> StructuralCausalModel {
        try StructuralCausalModel(nodes: nodes(immutableA: immutableA, noise: noise))
    }

    /// A model fitted on `rows` sampled rows, with the data it was fitted on.
    public static func fitted(rows: Int = 2_000, seed: UInt64 = 11, immutableA: Bool = false,
                              noise: Bool = false) throws -> (model: StructuralCausalModel, data: Matrix) {
        try fittedSCM(nodes(immutableA: immutableA, noise: noise), on: sample(rows: rows, seed: seed).data, fitSeed: 1)
    }
}

/// An SCM over `nodes` fitted on `data` (its MLP mechanisms seeded by `fitSeed`), with
/// the data: what every reference model's `fitted` returns.
public func fittedSCM(_ nodes: [NodeSpecification], on data: Matrix, fitSeed: UInt64) throws
    -> (model: StructuralCausalModel, data: Matrix) {
    var model = try StructuralCausalModel(nodes: nodes)
    try model.fit(data, seed: fitSeed)
    return (model, data)
}

/// Reads the linear mechanism of a node (nil when it is not linear or not fitted).
public func linearMechanism(_ model: StructuralCausalModel, _ node: Int) -> LinearMechanism? {
    model.mechanisms[node] as? LinearMechanism
}

/// An SCM with two sensitive roots, a categorical one with 8 levels and a binary one:
///
///     0  R  categorical(8), sensitive root, uniform
///     1  S  binary, sensitive root, Bernoulli(0.4)
///     2  X = 0.3 * level(R) - S + U,        U ~ Normal(0, 1)
///     3  Y = X + 0.5 [R = 7] + U,           U ~ Normal(0, 1)
public enum CategoricalReference {
    public static let r = 0, s = 1, x = 2, y = 3
    public static let columns = 8 + 1 + 1 + 1
    public static let rColumns = Array(0..<8), sColumn = 8, xColumn = 9, yColumn = 10

    public static func nodes() -> [NodeSpecification] {
        [
            NodeSpecification(kind: .categorical(levels: 8), isSensitive: true),
            NodeSpecification(kind: .binary, isSensitive: true),
            NodeSpecification(kind: .continuous, parents: [r, s], mechanism: .linear(ridge: 0)),
            NodeSpecification(kind: .continuous, parents: [x, r], mechanism: .linear(ridge: 0)),
        ]
    }

    public static func sample(rows: Int, seed: UInt64) -> Matrix {
        var generator = Xoshiro256StarStar(seed: seed)
        var data = Matrix(rows: rows, cols: columns)
        for i in 0..<rows {
            let level = generator.index(below: 8)
            let sValue = generator.bernoulli(0.4)
            let xValue = 0.3 * Double(level) - sValue + generator.normal()
            let yValue = xValue + (level == 7 ? 0.5 : 0) + generator.normal()
            data[i, level] = 1
            data[i, sColumn] = sValue
            data[i, xColumn] = xValue
            data[i, yColumn] = yValue
        }
        return data
    }

    public static func fitted(rows: Int = 2_000, seed: UInt64 = 5) throws -> (model: StructuralCausalModel, data: Matrix) {
        try fittedSCM(nodes(), on: sample(rows: rows, seed: seed), fitSeed: 3)
    }
}

/// A nonlinear SCM with MLP mechanisms and categorical nodes:
///
///     0  C  categorical(3), sensitive root
///     1  A  continuous root
///     2  X  = mlp(C, A) + U      (truth: tanh(A) + level(C) * 0.5 + U)
///     3  K  categorical(3), non-sensitive, mlp(X) on the one-hot code (truth: K from X thresholds)
///     4  Y  = mlp(X, K) + U      (truth: sin(X) + 0.3 * level(K) + U)
public enum NonlinearReference {
    public static let columns = 3 + 1 + 1 + 3 + 1
    public static let mechanism = MechanismSpecification.mlp(hidden: [8], activation: .tanh, epochs: 3, batchSize: 32,
                                                      learningRate: 0.01)

    public static func nodes(mechanism: MechanismSpecification = mechanism) -> [NodeSpecification] {
        [
            NodeSpecification(kind: .categorical(levels: 3), isSensitive: true),
            NodeSpecification(kind: .continuous),
            NodeSpecification(kind: .continuous, parents: [0, 1], mechanism: mechanism),
            NodeSpecification(kind: .categorical(levels: 3), parents: [2], mechanism: mechanism),
            NodeSpecification(kind: .continuous, parents: [2, 3], mechanism: mechanism),
        ]
    }

    public static func sample(rows: Int, seed: UInt64) -> Matrix {
        var generator = Xoshiro256StarStar(seed: seed)
        var data = Matrix(rows: rows, cols: columns)
        for i in 0..<rows {
            let c = generator.index(below: 3)
            let a = generator.normal()
            let x = hyperbolicTangent(a) + 0.5 * Double(c) + 0.3 * generator.normal()
            let k = x < 0 ? 0 : (x < 1 ? 1 : 2)
            let y = (x * 1.0).sine + 0.3 * Double(k) + 0.2 * generator.normal()
            data[i, c] = 1
            data[i, 3] = a
            data[i, 4] = x
            data[i, 5 + k] = 1
            data[i, 8] = y
        }
        return data
    }

    public static func fitted(rows: Int = 600, seed: UInt64 = 9) throws -> (model: StructuralCausalModel, data: Matrix) {
        try fittedSCM(nodes(), on: sample(rows: rows, seed: seed), fitSeed: 4)
    }
}

extension Double {
    /// sin x by its relation to the engine's cosine (the tests do not import libm).
    public var sine: Double { cosine(self - Double.pi / 2) }
}
