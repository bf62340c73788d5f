/// One minibatch and the causal quantities objectives need for it.
struct TrainingBatch {
    /// Encoded features (rows x columns).
    let x: Matrix
    /// Labels in {0, 1}.
    let labels: [Double]
    /// φ(x), when the objective perturbs in the latent space (cal, causal_at, twins).
    let latent: Matrix?
    /// Twins ((rows · levels) x columns, row r's twins contiguous), when needed.
    let twins: Matrix?
    /// Number of twin levels.
    let levelCount: Int

    var rows: Int { x.rows }

    /// φ(x); throws when the run did not compute it (`Trainer.train` computes it for cal, causal_at and twins only).
    func requiredLatent() throws -> Matrix {
        guard let latent else { throw CausalFairError.computation("the objective needs φ(x), which was not computed") }
        return latent
    }

    /// Row indices repeated once per twin level: r, r, ..., r+1, ...
    var repeatedRows: [Int] { (0..<(rows * levelCount)).map { $0 / levelCount } }
    /// Twin levels cycling per row: 0, 1, ..., L−1, 0, ...
    var cycledLevels: [Int] { (0..<(rows * levelCount)).map { $0 % levelCount } }
    /// Labels repeated once per twin level.
    var repeatedLabels: [Double] { repeatedRows.map { labels[$0] } }
}

/// Row-wise helpers shared by the objectives.
enum Rows {
    /// ⟨a_r, b_r⟩ for every row.
    static func dot(_ a: Matrix, _ b: Matrix) -> [Double] {
        (0..<a.rows).map { r in (0..<a.cols).reduce(0) { $0 + a[r, $1] * b[r, $1] } }
    }

    /// Each row of `m` times `scale[r]`.
    static func scaled(_ m: Matrix, by scale: [Double]) -> Matrix {
        var result = m
        for r in 0..<m.rows { for c in 0..<m.cols { result[r, c] *= scale[r] } }
        return result
    }

    /// For values grouped in runs of `groupSize`, the index of the largest of each run.
    static func argmaxPerGroup(_ values: [Double], groupSize: Int) -> [Int] {
        stride(from: 0, to: values.count, by: groupSize).map { start in
            var best = start
            for i in start..<(start + groupSize) where values[i] > values[best] { best = i }
            return best
        }
    }

    /// −1, 0 or 1.
    static func sign(_ x: Double) -> Double { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}
