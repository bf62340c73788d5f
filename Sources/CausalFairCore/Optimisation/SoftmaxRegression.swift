/// Multinomial logistic regression with a reference level, solved by Newton's method:
/// the maximum-likelihood fit of a discrete mechanism's linear logits.
///
/// With X the design (n x p, intercept included), Y the indicators of levels 1…m
/// (n x m; level 0 is the reference, ℓ₀ = 0) and θ (p x m), it minimises
///
///     f(θ) = Σᵣ [log(1 + Σₐ e^{ℓᵣₐ}) − Σₐ Yᵣₐ ℓᵣₐ] + ridge Σ_{j < penalisedRows} Σₐ θⱼₐ²,  ℓ = Xθ,
///
/// whose gradient is Xᵀ(P − Y) + 2 ridge θ (penalised rows) and whose Hessian has the
/// blocks Xᵀ diag(pₐ(δₐᵦ − p_b)) X (+ 2 ridge I), P the level probabilities. With row
/// weights w each row's term is multiplied by w_r (the weighted likelihood): the
/// gradient becomes Xᵀ diag(w)(P − Y) and the Hessian's blocks Xᵀ diag(w pₐ(δₐᵦ − p_b)) X,
/// so integer weights act as repeated rows and zero weights as dropped rows.
struct SoftmaxRegression {
    /// The design, intercept column included.
    let design: Matrix
    /// Indicators of levels 1…m.
    let indicators: Matrix
    /// Ridge penalty on the first `penalisedRows` rows of θ (the weights, not the intercept).
    let ridge: Double
    /// Number of penalised rows of θ.
    let penalisedRows: Int
    /// Row weights (≥ 0), or nil: every row weighs 1.
    var weights: [Double]? = nil

    /// Probabilities of levels 1…m for logits ℓ₁…ℓ_m (ℓ₀ = 0), row by row, without overflow.
    static func probabilities(logits: Matrix) -> Matrix {
        var p = logits
        for r in 0..<logits.rows {
            var largest = 0.0
            for a in 0..<logits.cols { largest = max(largest, logits[r, a]) }
            var total = exponential(-largest)
            for a in 0..<logits.cols {
                p[r, a] = exponential(logits[r, a] - largest)
                total += p[r, a]
            }
            for a in 0..<logits.cols { p[r, a] /= total }
        }
        return p
    }

    /// f(θ).
    func objective(_ theta: Matrix) -> Double {
        let logits = BLAS.multiply(design, theta)
        var total = 0.0
        for r in 0..<logits.rows {
            var largest = 0.0
            for a in 0..<logits.cols { largest = max(largest, logits[r, a]) }
            var sum = exponential(-largest)
            if let weights {
                var fitted = 0.0  // Σₐ Yᵣₐ ℓᵣₐ
                for a in 0..<logits.cols {
                    sum += exponential(logits[r, a] - largest)
                    fitted += indicators[r, a] * logits[r, a]
                }
                total += weights[r] * (largest + logarithm(sum) - fitted)
            } else {  // the unweighted sum accumulated term by term
                for a in 0..<logits.cols {
                    sum += exponential(logits[r, a] - largest)
                    total -= indicators[r, a] * logits[r, a]
                }
                total += largest + logarithm(sum)
            }
        }
        for j in 0..<penalisedRows {
            for a in 0..<theta.cols { total += ridge * theta[j, a] * theta[j, a] }
        }
        return total
    }

    /// The gradient (p x m) and the Hessian (pm x pm, θ flattened column by column).
    func derivatives(_ theta: Matrix) -> (gradient: Matrix, hessian: Matrix) {
        let p = design.cols, m = indicators.cols
        let probabilities = Self.probabilities(logits: BLAS.multiply(design, theta))
        let residual = probabilities - indicators
        var gradient = BLAS.multiply(design, weights.map { Rows.scaled(residual, by: $0) } ?? residual,
                                     transposeA: true)
        var hessian = Matrix(rows: p * m, cols: p * m)
        for a in 0..<m {
            for b in a..<m {
                var weighted = design
                for r in 0..<design.rows {
                    let curvature = probabilities[r, a] * ((a == b ? 1 : 0) - probabilities[r, b])
                    let w = weights.map { $0[r] * curvature } ?? curvature
                    for j in 0..<p { weighted[r, j] *= w }
                }
                let block = BLAS.multiply(design, weighted, transposeA: true)
                for i in 0..<p {
                    for j in 0..<p {
                        hessian[a * p + i, b * p + j] = block[i, j]
                        hessian[b * p + j, a * p + i] = block[i, j]
                    }
                }
            }
        }
        for j in 0..<penalisedRows {
            for a in 0..<m {
                gradient[j, a] += 2 * ridge * theta[j, a]
                hessian[a * p + j, a * p + j] += 2 * ridge
            }
        }
        return (gradient, hessian)
    }

    /// θ minimising f, from θ = 0: Newton steps with Armijo halving until the mean
    /// gradient's largest entry is at most `tolerance`, no step decreases f, or
    /// `maxIterations` steps. Throws `computation` when the Hessian cannot be
    /// factorised even regularised (non-finite data).
    func minimise(maxIterations: Int, tolerance: Double) throws -> Matrix {
        let p = design.cols, m = indicators.cols
        var theta = Matrix(rows: p, cols: m)
        var value = objective(theta)
        let rows = Double(max(design.rows, 1))
        for _ in 0..<maxIterations {
            let (gradient, hessian) = derivatives(theta)
            guard gradient.storage.contains(where: { !(abs($0) / rows <= tolerance) }) else { break }
            let step = try Self.newtonStep(hessian: hessian, gradient: gradient)
            var slope = 0.0
            for a in 0..<m { for j in 0..<p { slope += gradient[j, a] * step[a * p + j] } }
            guard slope < 0 else { break }
            var scale = 1.0
            var accepted: (Matrix, Double)?
            for _ in 0..<60 {
                var candidate = theta
                for a in 0..<m { for j in 0..<p { candidate[j, a] += scale * step[a * p + j] } }
                let candidateValue = objective(candidate)
                if candidateValue <= value + 1e-4 * scale * slope { accepted = (candidate, candidateValue); break }
                scale /= 2
            }
            guard let (next, nextValue) = accepted else { break }
            theta = next
            value = nextValue
        }
        guard theta.isFinite else { throw CausalFairError.computation("the logistic fit diverged (non-finite data?)") }
        return theta
    }

    /// −(H + εI)⁻¹ g with θ's layout, ε a tiny multiple of H's mean diagonal (grown
    /// until the system factorises).
    private static func newtonStep(hessian: Matrix, gradient: Matrix) throws -> [Double] {
        let count = hessian.rows
        var trace = 0.0
        for i in 0..<count { trace += hessian[i, i] }
        var damping = 1e-10 * max(trace / Double(max(count, 1)), 1e-300)
        var rhs = Matrix(rows: count, cols: 1)
        let p = gradient.rows
        for a in 0..<gradient.cols { for j in 0..<p { rhs[a * p + j, 0] = -gradient[j, a] } }
        for _ in 0..<12 {
            var system = hessian
            for i in 0..<count { system[i, i] += damping }
            if let solution = try? Cholesky.solve(system, rhs) { return solution.storage }
            damping *= 100
        }
        throw CausalFairError.computation("the logistic fit's Hessian cannot be factorised")
    }
}
