/// Full-batch Newton's method (iteratively reweighted least squares) for logistic
/// regression under `erm`, the one convex training problem of the engine.
///
/// It minimises, over θ = (w, b),
///
///     f(θ) = (1/n) Σᵣ wᵣ BCE(xᵣᵀw + b, yᵣ) + (λ/2)‖θ‖²,   λ = weight decay,
///
/// with sample weights wᵣ normalised to mean 1 (all 1 without weights), so integer
/// weights give the problem of the data with rows repeated and zero weights that of
/// the data without those rows;
///
/// the objective minibatch Adam and SGD follow (their weight decay adds λθ to the
/// gradient of every parameter, bias included). Each iteration solves
/// (∇²f) d = −∇f by Cholesky, then halves the step until the Armijo condition holds.
/// It stops when ‖∇f‖∞ ≤ `tolerance` (converged), after `maxIterations` steps, or when
/// no step along d decreases f (both: not converged).
///
/// Starts from θ = 0, so the result does not depend on any initialisation: the optimum
/// when λ > 0 or the data are not separable. Along directions the data do not
/// determine (a constant or collinear feature with λ = 0) the Hessian is singular; a
/// small multiple of the identity is then added to it for the step only, which keeps
/// the iterates in the row space of the data (the minimum-norm optimum). On separable
/// data with λ = 0 the infimum (loss 0) is not attained: the weights grow until the
/// gradient falls below `tolerance` or the iterations run out, and stay finite.
public enum NewtonSolver {
    /// What a Newton run returns.
    public struct Outcome: Sendable {
        /// The final parameters, in the network layout for widths [d, 1]: w, then b.
        public var parameters: [Double]
        /// f after every step taken.
        public var objectives: [Double]
        /// Whether ‖∇f‖∞ ≤ tolerance at `parameters`.
        public var converged: Bool
        /// ‖∇f‖∞ at `parameters`.
        public var gradientNorm: Double
    }

    /// The Armijo constant: a step t·d is accepted when f decreases by at least
    /// this fraction of the linear prediction t·∇fᵀd.
    static let sufficientDecrease = 1e-4
    /// Step halvings tried before the line search gives up (t ≥ 2⁻⁶⁰).
    static let maximumHalvings = 60
    /// The most features a solve takes: each step forms and factorises a (d + 1)² Hessian
    /// (its accumulators, eight lanes per entry, are 64·(d + 1)² bytes: 270 MB here), and
    /// beyond this the minibatch optimisers are the better tool anyway.
    public static let maximumFeatures = 2_048

    /// Minimises f from θ = 0 on features `x` (rows x d) and labels ∈ {0, 1}, each row
    /// weighted by `sampleWeights` (finite, ≥ 0, positive sum; nil: all 1).
    ///
    /// `progress(step, objective)` is called after every step; returning false stops the
    /// run with `interrupted`. Throws `invalidArgument` for a negative or non-finite
    /// `weightDecay` or `tolerance`, a negative `maxIterations`, labels that do not
    /// match the rows, or more than `maximumFeatures` columns; `computation` if the Hessian cannot be factorised even when
    /// regularised (non-finite entries).
    public static func minimise(x: Matrix, labels: [Double], sampleWeights: [Double]? = nil,
                                weightDecay: Double, tolerance: Double,
                                maxIterations: Int,
                                progress: (Int, Double) -> Bool = { _, _ in true }) throws -> Outcome {
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw CausalFairError.invalidArgument("weight_decay must be finite and >= 0, got \(weightDecay)")
        }
        guard tolerance >= 0, tolerance.isFinite else {
            throw CausalFairError.invalidArgument("tol must be finite and >= 0, got \(tolerance)")
        }
        guard maxIterations >= 0 else {
            throw CausalFairError.invalidArgument("the iteration limit must be >= 0, got \(maxIterations)")
        }
        guard labels.count == x.rows, x.rows > 0 else {
            throw CausalFairError.invalidArgument("y has \(labels.count) labels, X has \(x.rows) rows")
        }
        guard x.cols <= maximumFeatures else {
            throw CausalFairError.invalidArgument(
                "optimizer newton takes at most \(maximumFeatures) features, X has \(x.cols); use adam or sgd")
        }
        let problem = Problem(x: x, labels: labels, weights: try RowWeighting.normalised(sampleWeights, rows: x.rows),
                              weightDecay: weightDecay)
        var theta = [Double](repeating: 0, count: x.cols + 1)
        var state = problem.evaluate(theta)
        var (gradient, hessian) = problem.derivatives(state)
        var objectives: [Double] = []
        var converged = maxNorm(gradient) <= tolerance
        while !converged, objectives.count < maxIterations {
            let direction = try problem.newtonDirection(hessian, gradient: gradient)
            let slope = zip(gradient, direction).reduce(0) { $0 + $1.0 * $1.1 }
            guard slope < 0, let next = problem.lineSearch(theta, from: state, direction: direction, slope: slope) else {
                break
            }
            theta = next.parameters
            state = next
            (gradient, hessian) = problem.derivatives(state)
            objectives.append(state.objective)
            converged = maxNorm(gradient) <= tolerance
            guard progress(objectives.count - 1, state.objective) else {
                throw CausalFairError.interrupted("training interrupted at Newton step \(objectives.count - 1)")
            }
        }
        return Outcome(parameters: theta, objectives: objectives, converged: converged, gradientNorm: maxNorm(gradient))
    }

    /// The largest absolute entry.
    static func maxNorm(_ v: [Double]) -> Double {
        v.reduce(0) { max($0, abs($1)) }
    }

    /// The parameters and what f, ∇f and ∇²f need at them.
    struct State {
        var parameters: [Double]
        /// σ(xᵣᵀw + b) per row.
        var probabilities: [Double]
        var objective: Double
    }

    /// The data and the penalty of one problem.
    struct Problem {
        let x: Matrix
        let labels: [Double]
        /// Sample weights normalised to mean 1; nil when all are 1.
        let weights: [Double]?
        let weightDecay: Double
        /// Xᵀ (d x n): `VectorMath.weightedGram` reads eight consecutive rows of a feature
        /// at once (BLAS products of shape d x n by n x d are slow here: K = n is huge).
        let columns: Matrix

        init(x: Matrix, labels: [Double], weights: [Double]?, weightDecay: Double) {
            self.x = x
            self.labels = labels
            self.weights = weights
            self.weightDecay = weightDecay
            var columns = Matrix(rows: x.cols, cols: x.rows)
            for r in 0..<x.rows {
                for c in 0..<x.cols { columns.storage[c * x.rows + r] = x.storage[r * x.cols + c] }
            }
            self.columns = columns
        }

        /// σ(g) and f at θ (f is +∞ or NaN when the logits overflow), the loss of every
        /// row from `VectorMath.logisticLoss` (one vectorised pass; the C library's exp and
        /// log1p took most of a solve), summed in row order.
        func evaluate(_ theta: [Double]) -> State {
            let d = x.cols
            var logits = BLAS.multiply(x, Array(theta[..<d]))
            let bias = theta[d]
            logits.withUnsafeMutableBufferPointer { pg in
                for r in pg.indices { pg[r] += bias }
            }
            var probabilities = [Double](repeating: 0, count: x.rows)
            var losses = [Double](repeating: 0, count: x.rows)
            VectorMath.logisticLoss(logits: logits, labels: labels, probabilities: &probabilities, losses: &losses)
            let loss = weights.map { w in zip(losses, w).reduce(0) { $0 + $1.0 * $1.1 } } ?? losses.reduce(0, +)
            let penalty = 0.5 * weightDecay * theta.reduce(0) { $0 + $1 * $1 }
            return State(parameters: theta, probabilities: probabilities, objective: loss / Double(x.rows) + penalty)
        }

        /// ∇f = (Xᵀr / n + λw, Σr / n + λb), rᵣ = wᵣ(σ(gᵣ) − yᵣ), and ∇²f = X̃ᵀ diag(s) X̃ + λI,
        /// sᵣ = wᵣσ(gᵣ)(1 − σ(gᵣ)) / n and X̃ = [X 1], in one pass over the data
        /// (`VectorMath.weightedGram`).
        func derivatives(_ state: State) -> (gradient: [Double], hessian: Matrix) {
            let n = Double(x.rows)
            var residuals = [Double](repeating: 0, count: x.rows), weights = residuals
            state.probabilities.withUnsafeBufferPointer { pp in
                labels.withUnsafeBufferPointer { py in
                    residuals.withUnsafeMutableBufferPointer { pr in
                        weights.withUnsafeMutableBufferPointer { pw in
                            for r in pp.indices {
                                pr[r] = (pp[r] - py[r]) / n
                                pw[r] = pp[r] * (1 - pp[r]) / n
                            }
                        }
                    }
                }
            }
            if let rowWeights = self.weights {
                for r in residuals.indices {
                    residuals[r] *= rowWeights[r]
                    weights[r] *= rowWeights[r]
                }
            }
            var (hessian, gradient) = VectorMath.weightedGram(columns: columns, weights: weights, values: residuals)
            for i in gradient.indices {
                gradient[i] += weightDecay * state.parameters[i]
                hessian[i, i] += weightDecay
            }
            return (gradient, hessian)
        }

        /// The Newton direction −(∇²f)⁻¹∇f. When the Hessian is not numerically positive
        /// definite, δI is added with δ = 10⁻¹⁰ times its largest diagonal entry, then 100
        /// times more, up to ten times.
        func newtonDirection(_ hessian: Matrix, gradient: [Double]) throws -> [Double] {
            let p = hessian.rows
            let rightHandSide = try Matrix(rows: p, cols: 1, storage: gradient.map { -$0 })
            var damping = 0.0
            let largest = (0..<p).reduce(0.0) { max($0, hessian[$1, $1]) }
            for _ in 0...10 {
                var system = hessian
                for i in 0..<p { system[i, i] += damping }
                if let solution = try? Cholesky.solve(system, rightHandSide), solution.isFinite {
                    return solution.storage
                }
                damping = damping == 0 ? 1e-10 * max(largest, .leastNormalMagnitude) : damping * 100
            }
            throw CausalFairError.computation("Newton: the Hessian cannot be factorised (largest diagonal entry \(largest))")
        }

        /// The first of t = 1, 1/2, 1/4, ... whose point satisfies the Armijo condition
        /// f(θ + t d) ≤ f(θ) + c t ∇fᵀd (up to rounding in f: 10⁻¹³ max(|f|, 1)), with its
        /// state; nil when none of `maximumHalvings` + 1 steps does.
        func lineSearch(_ theta: [Double], from state: State, direction: [Double], slope: Double) -> State? {
            let slack = 1e-13 * max(abs(state.objective), 1)
            var step = 1.0
            for _ in 0...NewtonSolver.maximumHalvings {
                let candidate = evaluate(zip(theta, direction).map { $0 + step * $1 })
                if candidate.objective.isFinite,
                   candidate.objective <= state.objective + NewtonSolver.sufficientDecrease * step * slope + slack {
                    return candidate
                }
                step /= 2
            }
            return nil
        }
    }
}
