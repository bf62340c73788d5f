/// Solves symmetric positive definite systems by Cholesky factorisation.
public enum Cholesky {
    /// Solves `A X = B` for symmetric positive definite `A` (p x p) and `B` (p x q).
    ///
    /// Throws `computation` when `A` is not numerically positive definite: a pivot
    /// falls below `1e-12` times its own diagonal entry (collinear or constant
    /// regressors in a least-squares fit). Relative to each column's own diagonal, so
    /// the test does not depend on the columns' scales (a regressor in units of 10⁶
    /// beside a 0/1 one is not singular).
    public static func solve(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        let p = a.rows
        var l = Matrix(rows: p, cols: p)
        for j in 0..<p {
            var pivot = a[j, j]
            for k in 0..<j { pivot -= l[j, k] * l[j, k] }
            guard pivot > 1e-12 * max(a[j, j], .leastNormalMagnitude), pivot.isFinite else {
                throw CausalFairError.computation("matrix is singular at column \(j)")
            }
            let root = pivot.squareRoot()
            l[j, j] = root
            for i in (j + 1)..<max(p, j + 1) {
                var value = a[i, j]
                for k in 0..<j { value -= l[i, k] * l[j, k] }
                l[i, j] = value / root
            }
        }
        var x = b
        for c in 0..<b.cols {
            for i in 0..<p {
                var value = x[i, c]
                for k in 0..<i { value -= l[i, k] * x[k, c] }
                x[i, c] = value / l[i, i]
            }
            for i in stride(from: p - 1, through: 0, by: -1) {
                var value = x[i, c]
                for k in (i + 1)..<max(p, i + 1) { value -= l[k, i] * x[k, c] }
                x[i, c] = value / l[i, i]
            }
        }
        return x
    }
}
