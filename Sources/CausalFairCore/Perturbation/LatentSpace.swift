/// The space training and audits perturb in: the semi-latent coordinates of an SCM
/// (DESIGN §4), or, without an SCM, the input space itself (φ = identity, every
/// column perturbable, a single twin level) — plain robust training.
public struct LatentSpace: Sendable {
    /// The SCM, if any.
    public let scm: StructuralCausalModel?
    /// Number of encoded columns.
    public let columnCount: Int
    /// Perturbable columns.
    public let perturbable: [Bool]
    /// Number of twin levels (1 without an SCM).
    public let levelCount: Int

    /// The space of `scm` (fitted), or the identity space on `columns` columns.
    public init(scm: StructuralCausalModel?, columns: Int) throws {
        if let scm {
            try scm.checkFitted()
            guard scm.columnCount == columns else {
                throw CausalFairError.invalidArgument("the data has \(columns) columns, the SCM has \(scm.columnCount)")
            }
        }
        self.scm = scm
        columnCount = columns
        perturbable = scm?.perturbable ?? [Bool](repeating: true, count: columns)
        levelCount = scm?.twinLevelCount ?? 1
    }

    /// φ(x) for every row.
    public func phi(_ x: Matrix) throws -> Matrix {
        guard let scm else { return x }
        return try scm.phi(x)
    }

    /// Each row's factual twin level (0 without an SCM).
    public func factualLevels(_ x: Matrix) throws -> [Int] {
        guard let scm else { return [Int](repeating: 0, count: x.rows) }
        return try scm.factualLevels(x)
    }

    /// φ⁻¹(z) with the sensitive nodes of row r set to twin level `levels[r]`.
    public func decode(_ z: Matrix, levels: [Int]) throws -> Matrix {
        guard let scm else { return z }
        return try scm.propagate(z, fixed: scm.sensitiveInterventions(levels: levels))
    }

    /// z with the sensitive columns of row r set to twin level `levels[r]`'s code.
    public func settingLevels(_ z: Matrix, levels: [Int]) -> Matrix {
        guard let scm else { return z }
        var result = z
        for (node, values) in scm.sensitiveInterventions(levels: levels) {
            result.scatterColumns(scm.nodeColumns[node], from: values)
        }
        return result
    }

    /// φ⁻¹(z) with the sensitive nodes of row r at twin level `levels[r]`, and the
    /// pullback c ↦ Jᵀc restricted to the perturbable columns (zero elsewhere), with
    /// J = ∂φ⁻¹/∂z at z (through a Gumbel-max node: its straight-through surrogate, so the
    /// points stay hard codes while the direction can switch them); the pullback reuses
    /// the forward pass.
    public func decodeWithPullback(_ z: Matrix, levels: [Int]) throws -> (points: Matrix, pullback: (Matrix) -> Matrix) {
        guard let scm else { return (z, restrictToPerturbable) }
        let (points, pullback) = try scm.propagateWithPullback(z, fixed: scm.sensitiveInterventions(levels: levels))
        return (points, { restrictToPerturbable(pullback($0)) })
    }

    /// `gradient` with its non-perturbable columns set to zero.
    func restrictToPerturbable(_ gradient: Matrix) -> Matrix {
        var result = gradient
        for r in 0..<result.rows { for c in 0..<result.cols where !perturbable[c] { result[r, c] = 0 } }
        return result
    }

    /// Whether φ⁻¹ is affine (no SCM, or every mechanism affine: see
    /// `MechanismSpecification.isAffine`; an expression such as tanh(A) is not, nor is a
    /// Gumbel-max node's argmax).
    public var isLinear: Bool {
        guard let scm else { return true }
        return scm.nodes.allSatisfy { $0.mechanism.isAffine && !$0.usesGumbelMax }
    }

    /// For an affine φ⁻¹: J (columns x perturbable count), the constant Jacobian with
    /// respect to the perturbable latent coordinates; nil otherwise.
    public func constantJacobian() throws -> Matrix? {
        guard isLinear else { return nil }
        let columns = (0..<columnCount).filter { perturbable[$0] }
        var jacobian = Matrix(rows: columnCount, cols: columns.count)
        guard let scm else {
            for (j, c) in columns.enumerated() { jacobian[c, j] = 1 }
            return jacobian
        }
        var basis = Matrix(rows: columns.count + 1, cols: columnCount)
        for (j, c) in columns.enumerated() { basis[j + 1, c] = 1 }
        let images = try scm.propagate(basis, fixed: scm.sensitiveInterventions(
            levels: [Int](repeating: 0, count: columns.count + 1)))
        for j in 0..<columns.count {
            for r in 0..<columnCount { jacobian[r, j] = images[j + 1, r] - images[0, r] }
        }
        return jacobian
    }

    /// Adds to each row of `z` a uniform draw from the L2 ball of radius `radius` on
    /// the perturbable columns.
    public func perturbUniformly(_ z: inout Matrix, radius: Double, generator: inout Xoshiro256StarStar) {
        generator.perturbRows(of: &z, columns: (0..<columnCount).filter { perturbable[$0] }, radius: radius)
    }
}
