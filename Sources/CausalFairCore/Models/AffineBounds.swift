/// For each row r of a batch, a set of points in `width` columns:
///
///     { c_r + Σ_j ε_j G_{r,j} + ξ : ‖ε‖₂ ≤ 1, |ξ_i| ≤ s_{r,i} }
///
/// the affine image of a unit L2 ball in `generatorCount` dimensions (a perturbation
/// ball mapped forward) plus a box of slack. Affine maps carry these sets exactly;
/// activations add slack (a sound linear relaxation, second order in the set's
/// width). Used to prove that a classifier's decision cannot change anywhere in a
/// perturbation ball, so the audit need not search it.
struct AffineBounds {
    /// Centres c (rows x width).
    var centre: Matrix
    /// Generators: row r·generatorCount + j is G_{r,j} ((rows·generatorCount) x width).
    var generators: Matrix
    /// Slack half-widths s ≥ 0 (rows x width).
    var slack: Matrix
    /// Dimension of the ball every set is an image of.
    let generatorCount: Int

    /// The points `centre` themselves (no generators, no slack).
    init(points centre: Matrix, generatorCount: Int) {
        self.centre = centre
        self.generatorCount = generatorCount
        generators = Matrix(rows: centre.rows * generatorCount, cols: centre.cols)
        slack = Matrix(rows: centre.rows, cols: centre.cols)
    }

    private init(centre: Matrix, generators: Matrix, slack: Matrix, generatorCount: Int) {
        self.centre = centre
        self.generators = generators
        self.slack = slack
        self.generatorCount = generatorCount
    }

    /// Number of sets.
    var rows: Int { centre.rows }

    /// Each entry's half-width: the set's values in entry (r, i) lie in
    /// c_{r,i} ± halfWidths[r, i], with halfWidths = ‖(G_{r,j,i})_j‖₂ + s_{r,i}.
    func halfWidths() -> Matrix {
        var result = slack
        result.storage = halfWidths(rows: 0..<rows)
        return result
    }

    /// `halfWidths()` of the rows `range` only, row-major.
    private func halfWidths(rows range: Range<Int>) -> [Double] {
        let width = centre.cols
        var result = Array(slack.storage[(range.lowerBound * width)..<(range.upperBound * width)])
        for r in range {
            for i in 0..<width {
                var squares = 0.0
                for j in 0..<generatorCount {
                    let g = generators.storage[(r * generatorCount + j) * width + i]
                    squares += g * g
                }
                result[(r - range.lowerBound) * width + i] += squares.squareRoot()
            }
        }
        return result
    }

    /// The sets restricted to `columns`.
    func gatherColumns(_ columns: [Int]) -> AffineBounds {
        AffineBounds(centre: centre.gatherColumns(columns), generators: generators.gatherColumns(columns),
                     slack: slack.gatherColumns(columns), generatorCount: generatorCount)
    }

    /// Writes `block`'s columns into `columns`.
    mutating func scatterColumns(_ columns: [Int], from block: AffineBounds) {
        centre.scatterColumns(columns, from: block.centre)
        generators.scatterColumns(columns, from: block.generators)
        slack.scatterColumns(columns, from: block.slack)
    }

    /// Sets `columns` to the constants `values` (one row per set, or one row for all).
    mutating func fixColumns(_ columns: [Int], to values: Matrix) {
        centre.scatterColumns(columns, from: values)
        generators.scatterColumns(columns, from: Matrix(rows: 1, cols: columns.count))
        slack.scatterColumns(columns, from: Matrix(rows: 1, cols: columns.count))
    }

    /// The Minkowski sum of two sets built on the same ball: x + y with x, y driven by
    /// the same ε.
    static func + (a: AffineBounds, b: AffineBounds) -> AffineBounds {
        AffineBounds(centre: a.centre + b.centre, generators: a.generators + b.generators,
                     slack: a.slack + b.slack, generatorCount: a.generatorCount)
    }

    /// The image x ↦ x W + b (W: width x outputs), exact on the ball part.
    func affine(weights: Matrix, bias: [Double]) -> AffineBounds {
        var mapped = BLAS.multiply(centre, weights)
        mapped.addRowVector(bias)
        var absolute = weights
        for i in absolute.storage.indices { absolute.storage[i] = abs(absolute.storage[i]) }
        return AffineBounds(centre: mapped, generators: BLAS.multiply(generators, weights),
                            slack: BLAS.multiply(slack, absolute), generatorCount: generatorCount)
    }

    /// Entries relaxed at once by `activate`: its working memory (about 25 arrays of
    /// this many doubles in the tanh relaxation) stays near 2 MB however many sets there are.
    static let relaxationBlockElements = 1 << 13

    /// Applies `activation` entrywise: over each entry's interval [c − h, c + h] the
    /// activation lies within λx + μ ± β (`Activation.linearRelaxation`), so the
    /// centre becomes λc + μ, the generators λG and the slack λs + β. Entries are
    /// independent, so they are relaxed a block of rows at a time.
    mutating func activate(_ activation: Activation) {
        let width = centre.cols
        guard width > 0 else { return }
        let blockRows = max(1, Self.relaxationBlockElements / width)
        var start = 0
        while start < rows {
            let block = start..<min(start + blockRows, rows)
            let half = halfWidths(rows: block)
            let first = block.lowerBound * width
            let centres = centre.storage[first..<(block.upperBound * width)]
            let lower = zip(centres, half).map { $0 - $1 }
            let upper = zip(centres, half).map { $0 + $1 }
            let (slope, offset, error) = activation.linearRelaxation(lower: lower, upper: upper)
            for r in block {
                for i in 0..<width {
                    let e = r * width + i, b = e - first
                    centre.storage[e] = slope[b] * centre.storage[e] + offset[b]
                    slack.storage[e] = slope[b] * slack.storage[e] + error[b]
                    for j in 0..<generatorCount { generators.storage[(r * generatorCount + j) * width + i] *= slope[b] }
                }
            }
            start = block.upperBound
        }
    }
}

extension Activation {
    /// For each interval [lower_i, upper_i], a line λ_i x + μ_i and a half-width
    /// β_i ≥ 0 with |σ(x) − λ_i x − μ_i| ≤ β_i on the whole interval (λ_i ≥ 0).
    ///
    /// tanh: λ is the chord's slope (any λ would be sound); d(x) = tanh x − λx is
    /// concave on x ≥ 0 and convex on x ≤ 0 (odd), so on a concave piece its minimum
    /// is at an end and its maximum is below the tangent at the midpoint, a line whose
    /// maximum is at an end; convex pieces are the mirror image. ReLU: the usual
    /// triangle relaxation. β includes a rounding allowance (`roundingAllowance`).
    func linearRelaxation(lower: [Double], upper: [Double]) -> (slope: [Double], offset: [Double], error: [Double]) {
        switch self {
        case .tanh: return tanhRelaxation(lower: lower, upper: upper)
        case .relu:
            var slope = [Double](repeating: 0, count: lower.count)
            var offset = slope, error = slope
            for i in lower.indices {
                let (l, u) = (lower[i], upper[i])
                if l >= 0 {
                    slope[i] = 1
                } else if u > 0 {
                    slope[i] = u / (u - l)
                    offset[i] = -slope[i] * l / 2
                    error[i] = offset[i] + roundingAllowance(l, u)
                }
            }
            return (slope, offset, error)
        }
    }

    /// Allowance for the rounding of λx + μ and of the bounds on [l, u].
    private func roundingAllowance(_ l: Double, _ u: Double) -> Double { 1e-14 * (1 + abs(l) + abs(u)) }

    private func tanhRelaxation(lower: [Double], upper: [Double]) -> (slope: [Double], offset: [Double], error: [Double]) {
        let count = lower.count
        // Concave piece [a1, b1] = [l, u] ∩ [0, ∞); convex piece mirrored to [a2, b2] = −([l, u] ∩ (−∞, 0]).
        let a1 = lower.map { max($0, 0) }, b1 = upper.map { max($0, 0) }
        let a2 = upper.map { max(-$0, 0) }, b2 = lower.map { max(-$0, 0) }
        let m1 = zip(a1, b1).map { ($0 + $1) / 2 }, m2 = zip(a2, b2).map { ($0 + $1) / 2 }
        var values = lower + upper + a1 + b1 + m1 + a2 + b2 + m2
        VectorMath.tanh(&values)
        func tanhOf(_ block: Int, _ i: Int) -> Double { values[block * count + i] }
        var slope = [Double](repeating: 0, count: count)
        var offset = slope, error = slope
        for i in 0..<count {
            let (l, u) = (lower[i], upper[i])
            let lambda = u > l ? max(0, (tanhOf(1, i) - tanhOf(0, i)) / (u - l)) : 0
            // Range of d on a concave piece [a, b] ⊂ [0, ∞) with tanh a, tanh b, tanh m known.
            func concaveRange(_ a: Double, _ b: Double, _ m: Double, _ ta: Double, _ tb: Double, _ tm: Double)
                -> (Double, Double) {
                let tangent = 1 - tm * tm
                let low = min(ta - lambda * a, tb - lambda * b)
                let high = max(tm + tangent * (a - m) - lambda * a, tm + tangent * (b - m) - lambda * b)
                return (low, high)
            }
            var low = Double.infinity, high = -Double.infinity
            if u >= 0 {
                let (lo, hi) = concaveRange(a1[i], b1[i], m1[i], tanhOf(2, i), tanhOf(3, i), tanhOf(4, i))
                low = min(low, lo); high = max(high, hi)
            }
            if l <= 0 {
                let (lo, hi) = concaveRange(a2[i], b2[i], m2[i], tanhOf(5, i), tanhOf(6, i), tanhOf(7, i))
                low = min(low, -hi); high = max(high, -lo)
            }
            slope[i] = lambda
            offset[i] = (high + low) / 2
            error[i] = (high - low) / 2 + roundingAllowance(l, u)
        }
        return (slope, offset, error)
    }
}
