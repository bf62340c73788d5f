/// Row-wise helpers on matrices and per-row values, shared by the objectives and the
/// audit estimators.
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
