/// Draws from the distributions the engine needs. Every function consumes a fixed,
/// documented amount of the stream, so seeds reproduce bit for bit.
extension Xoshiro256StarStar {
    /// Uniform in [0, 1): the top 53 bits of one draw.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in (0, 1]: never zero, safe under `log`.
    public mutating func uniformPositive() -> Double {
        1 - uniform()
    }

    /// Uniform integer in `0..<upperBound` (`upperBound > 0`), without modulo bias.
    public mutating func index(below upperBound: Int) -> Int {
        Int(truncatingIfNeeded: next(upperBound: UInt64(upperBound)))
    }

    /// Standard normal by the Box–Muller transform (two uniforms per draw).
    public mutating func normal() -> Double {
        let radius = (-2 * logarithm(uniformPositive())).squareRoot()
        return radius * cosine(2 * Double.pi * uniform())
    }

    /// Normal with mean `mean` and standard deviation `standardDeviation`.
    public mutating func normal(mean: Double, standardDeviation: Double) -> Double {
        mean + standardDeviation * normal()
    }

    /// 1 with probability `p`, else 0.
    public mutating func bernoulli(_ p: Double) -> Double {
        uniform() < p ? 1 : 0
    }

    /// Gamma(shape, scale) by Marsaglia & Tsang (2000); shape < 1 by boosting.
    public mutating func gamma(shape: Double, scale: Double) -> Double {
        if shape < 1 {
            let boost = power(uniformPositive(), 1 / shape)
            return gamma(shape: shape + 1, scale: scale) * boost
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniformPositive()
            if logarithm(u) < 0.5 * x * x + d - d * v + d * logarithm(v) {
                return d * v * scale
            }
        }
    }

    /// A point uniform in the L2 ball of radius `radius` in `dimension` dimensions:
    /// a normal direction scaled by `radius * U^(1/dimension)`.
    public mutating func uniformInBall(dimension: Int, radius: Double) -> [Double] {
        guard dimension > 0 else { return [] }
        var direction = (0..<dimension).map { _ in normal() }
        var norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
        while norm == 0 {
            direction = (0..<dimension).map { _ in normal() }
            norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        let scale = radius * power(uniform(), 1 / Double(dimension)) / norm
        return direction.map { $0 * scale }
    }

    /// Adds to every row of `matrix` an independent uniform draw from the L2 ball of
    /// radius `radius` on the columns `columns` (rows in order).
    public mutating func perturbRows(of matrix: inout Matrix, columns: [Int], radius: Double) {
        for r in 0..<matrix.rows {
            let delta = uniformInBall(dimension: columns.count, radius: radius)
            for (j, c) in columns.enumerated() { matrix[r, c] += delta[j] }
        }
    }

    /// Shuffles `indices` in place (Fisher–Yates).
    public mutating func shuffle(_ indices: inout [Int]) {
        guard indices.count > 1 else { return }
        for i in stride(from: indices.count - 1, to: 0, by: -1) {
            indices.swapAt(i, index(below: i + 1))
        }
    }
}
