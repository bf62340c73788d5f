/// How the per-row terms of a batch combine into its loss: the mean over the rows, or
/// with sample weights w (normalised to mean 1 over the run's training rows) the sum
/// Σ_r (w_r / n) t_r. Integer weights therefore act as repeated rows, and zero weights
/// as dropped rows, in every objective: exactly when the batch holds every training row.
enum RowWeighting {
    /// c_r = w_r / n, or 1 / n for every row without weights (the bits of the plain mean's factor).
    static func coefficients(_ weights: [Double]?, rows: Int) -> [Double] {
        coefficients(weights, rows: rows, times: 1)
    }

    /// k · c_r, computed as (k · w_r) / n (k / n without weights).
    static func coefficients(_ weights: [Double]?, rows: Int, times k: Double) -> [Double] {
        guard let weights else { return [Double](repeating: k / Double(rows), count: rows) }
        return weights.map { k * $0 / Double(rows) }
    }

    /// Σ_r c_r t_r; without weights (Σ_r t_r) · (1 / n), the plain mean's bits.
    static func mean(_ terms: [Double], weights: [Double]?) -> Double {
        mean(terms, weights: weights, times: 1)
    }

    /// k · Σ_r c_r t_r, as Σ_r t_r (k · w_r) / n; without weights (Σ_r t_r) · (k / n).
    static func mean(_ terms: [Double], weights: [Double]?, times k: Double) -> Double {
        guard weights != nil else { return terms.reduce(0, +) * (k / Double(terms.count)) }
        return zip(terms, coefficients(weights, rows: terms.count, times: k)).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Row r of `m` (the batch's rows, whose indices among the weighted rows are
    /// `batch`) times `scale · w_batch[r]`; without weights every entry times `scale`.
    /// With `scale` 1 / rows (times a constant) the rows' terms enter a batch's loss
    /// with coefficient w_r / rows, as `coefficients` gives them.
    static func scaledRows(_ m: Matrix, batch: [Int], weights: [Double]?, scale: Double) -> Matrix {
        var result = m
        guard let weights else {
            for i in result.storage.indices { result.storage[i] *= scale }
            return result
        }
        for (r, row) in batch.enumerated() {
            let factor = scale * weights[row]
            for c in 0..<m.cols { result[r, c] *= factor }
        }
        return result
    }

    /// Weights normalised to mean 1, checked: finite, ≥ 0, one per row, positive sum.
    /// nil stays nil (every row weighs 1).
    static func normalised(_ weights: [Double]?, rows: Int) throws -> [Double]? {
        guard let weights else { return nil }
        guard weights.count == rows else {
            throw CausalFairError.invalidArgument("sample_weight has \(weights.count) values, X has \(rows) rows")
        }
        guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw CausalFairError.invalidArgument("sample_weight must be finite and >= 0")
        }
        let total = weights.reduce(0, +)
        guard total > 0, total.isFinite else {
            throw CausalFairError.invalidArgument("sample_weight must have a positive, finite sum")
        }
        // w · rows / total, not w / (total / rows): the mean of tiny weights rounds to 0.
        return weights.map { $0 / total * Double(rows) }
    }
}
