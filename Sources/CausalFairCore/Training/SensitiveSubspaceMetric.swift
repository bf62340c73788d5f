/// The fair metric of SenSeI (Yurochkin & Sun 2021) as the inFairness
/// `LogisticRegSensitiveSubspace` builds it, which the CAPIFY paper's sensei runs use:
///     d(x, x′) = (x − x′)ᵀ Σ (x − x′),   Σ = I − P_S,
/// P_S the orthogonal projection on the sensitive subspace S. S is spanned by
/// - the sensitive columns themselves (moving them costs nothing: the paper's runs
///   drop them from the model's inputs, which is the same invariance), and
/// - for every twin level l ≥ 1, the weights (on the other columns) of a logistic
///   regression predicting "the row's sensitive level is l" from the other columns —
///   the directions along which the non-sensitive features carry the sensitive
///   attribute (its proxies). The regression is `NewtonSolver`'s with weight decay 1/n,
///   the mean-loss form of scikit-learn's default C = 1 that inFairness fits.
/// Without an SCM (no sensitive columns) S = {0} and d is the squared Euclidean distance.
/// d ≥ 0, d(x, x) = 0, and d(x, x + v) = 0 for every v ∈ S.
struct SensitiveSubspaceMetric {
    /// Σ = I − P_S (columns x columns), symmetric and idempotent.
    let complement: Matrix

    /// The metric of the rows `x` (the training rows) in `space`.
    static func fitted(x: Matrix, space: LatentSpace) throws -> SensitiveSubspaceMetric {
        let columns = x.cols
        guard let scm = space.scm else { return SensitiveSubspaceMetric(basis: [], columns: columns) }
        let sensitive = Set(scm.sensitiveNodes.flatMap { scm.nodeColumns[$0] })
        var basis = sensitive.sorted().map { c in (0..<columns).map { $0 == c ? 1.0 : 0.0 } }
        let others = (0..<columns).filter { !sensitive.contains($0) }
        let levels = try space.factualLevels(x)
        if !others.isEmpty {
            let features = x.gatherColumns(others)
            for level in 1..<max(space.levelCount, 1) {
                let labels = levels.map { $0 == level ? 1.0 : 0.0 }
                guard labels.contains(0), labels.contains(1) else { continue }
                let fit = try NewtonSolver.minimise(x: features, labels: labels, weightDecay: 1 / Double(x.rows),
                                                    tolerance: 1e-8, maxIterations: 100)
                var direction = [Double](repeating: 0, count: columns)
                for (i, c) in others.enumerated() { direction[c] = fit.parameters[i] }
                basis.append(direction)
            }
        }
        return SensitiveSubspaceMetric(basis: basis, columns: columns)
    }

    /// Σ = I − Σ_k u_k u_kᵀ, u_k the Gram–Schmidt orthonormalisation of `basis`
    /// (vectors dependent on the earlier ones, or zero, are skipped).
    init(basis: [[Double]], columns: Int) {
        var orthonormal: [[Double]] = []
        for vector in basis {
            var u = vector
            for e in orthonormal {
                let projection = zip(u, e).reduce(0) { $0 + $1.0 * $1.1 }
                for i in u.indices { u[i] -= projection * e[i] }
            }
            let length = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let scale = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard length > 1e-10 * max(scale, 1e-300) else { continue }
            orthonormal.append(u.map { $0 / length })
        }
        var sigma = Matrix(rows: columns, cols: columns)
        for i in 0..<columns {
            for j in 0..<columns {
                sigma[i, j] = (i == j ? 1 : 0) - orthonormal.reduce(0) { $0 + $1[i] * $1[j] }
            }
        }
        complement = sigma
    }

    /// d(x, x + δ) = δᵀΣδ for every row δ of `delta`.
    func distances(_ delta: Matrix) -> [Double] { Rows.dot(delta, BLAS.multiply(delta, complement)) }

    /// ∇_δ δᵀΣδ = 2Σδ for every row δ of `delta`.
    func distanceGradients(_ delta: Matrix) -> Matrix {
        var gradient = BLAS.multiply(delta, complement)
        for i in gradient.storage.indices { gradient.storage[i] *= 2 }
        return gradient
    }
}
