/// The Gumbel-max structural equation of a discrete node and the posterior of its
/// noise (DESIGN §4, "Discrete nodes"; Oberst & Sontag 2019).
///
/// A node with K levels has logits ℓ ∈ ℝᴷ with ℓ₀ = 0; only ℓ₁…ℓ_{K−1} are stored
/// (`logits` has K − 1 columns). Its noise has the node's encoded width:
/// - **binary** (one column): L ~ Logistic(0, 1) and V = 1[ℓ₁ + L > 0];
/// - **categorical** (K one-hot columns): G_k ~ Gumbel(0, 1) and V = onehot(argmaxₖ ℓₖ + G_k)
///   (ties to the lowest level, an event of probability 0).
/// Both give P(V = k | Pa) = softmax(ℓ)ₖ. Abduction draws the noise from its posterior
/// given the observed level, so `value(logits:noise:)` of a draw reproduces the level
/// exactly (the draws are nudged by an ulp where rounding would break that).
enum GumbelMax {
    /// Hard codes: exact 0/1 for a binary node, one-hot rows for a categorical one.
    static func value(logits: Matrix, noise: Matrix) -> Matrix {
        var value = Matrix(rows: noise.rows, cols: noise.cols)
        if noise.cols == 1 {
            for r in 0..<noise.rows where logits[r, 0] + noise[r, 0] > 0 { value[r, 0] = 1 }
            return value
        }
        for r in 0..<noise.rows {
            value[r, argmax(logits: logits, noise: noise, row: r)] = 1
        }
        return value
    }

    /// argmaxₖ ℓₖ + G_k of row `row` (ℓ₀ = 0), the lowest level on ties.
    static func argmax(logits: Matrix, noise: Matrix, row: Int) -> Int {
        var best = 0
        var bestScore = noise[row, 0]
        for k in 1..<noise.cols {
            let score = logits[row, k - 1] + noise[row, k]
            if score > bestScore { best = k; bestScore = score }
        }
        return best
    }

    /// One draw of each row's noise from its posterior given the observed level
    /// (`value`: 0/1 or one-hot rows) and the logits, row r from `streams.generator(row: r)`.
    /// Binary: L from the logistic truncated to the side of −ℓ₁ the value shows, by the
    /// inverse CDF (one uniform). Categorical (top-down Gumbel): the maximum
    /// M ~ Gumbel(logsumexp ℓ), ℓ_v + G_v = M, and ℓₖ + G_k ~ Gumbel(ℓₖ) truncated above
    /// at M for every k ≠ v (one uniform per level, in level order, M's first).
    /// Throws when a row is not a level code.
    static func posteriorNoise(logits: Matrix, value: Matrix, streams: PosteriorStreams) throws -> Matrix {
        var noise = Matrix(rows: value.rows, cols: value.cols)
        for r in 0..<value.rows {
            var generator = streams.generator(row: r)
            if value.cols == 1 {
                noise[r, 0] = try binaryPosteriorNoise(logit: logits[r, 0], value: value[r, 0], generator: &generator)
            } else {
                let level = try observedLevel(value, row: r)
                let draw = categoricalPosteriorNoise(logits: [0] + (0..<(value.cols - 1)).map { logits[r, $0] },
                                                     level: level, generator: &generator)
                for k in 0..<value.cols { noise[r, k] = draw[k] }
            }
        }
        return noise
    }

    /// L ~ Logistic(0, 1) conditioned on 1[ℓ + L > 0] = value. With w uniform on
    /// (0, σ(±ℓ)], L = ±log((1 − w)/w): the tail is sampled directly, so no precision
    /// is lost when the observed side is improbable.
    static func binaryPosteriorNoise(logit: Double, value: Double, generator: inout Xoshiro256StarStar) throws -> Double {
        guard value == 0 || value == 1 else {
            throw CausalFairError.invalidArgument("a binary node must be coded 0 or 1, got \(value)")
        }
        let sign: Double = value == 1 ? 1 : -1
        let w = generator.uniformPositive() * sigmoid(sign * logit)
        var noise = sign * (logOnePlus(-w) - logarithm(w))
        for _ in 0..<64 where (logit + noise > 0) != (value == 1) {
            noise = value == 1 ? noise.nextUp : noise.nextDown
        }
        return noise
    }

    /// G ~ Gumbel(0, 1)ᴷ conditioned on argmaxₖ ℓₖ + G_k = level (top-down).
    static func categoricalPosteriorNoise(logits: [Double], level: Int,
                                          generator: inout Xoshiro256StarStar) -> [Double] {
        let largest = logits.max() ?? 0
        let logSumExp = largest + logarithm(logits.reduce(0) { $0 + exponential($1 - largest) })
        let maximum = logSumExp - logarithm(-logarithm(generator.uniformPositive()))
        var noise = [Double](repeating: 0, count: logits.count)
        noise[level] = maximum - logits[level]
        let winner = logits[level] + noise[level]
        for k in logits.indices where k != level {
            // Gumbel(ℓₖ) truncated above at M, by the inverse CDF:
            // ℓₖ + G = ℓₖ − log(e^{−(M−ℓₖ)} − log U), the log-sum taken without overflow.
            let a = logits[k] - maximum
            let b = logarithm(-logarithm(generator.uniformPositive()))
            let high = max(a, b)
            noise[k] = -(high + logOnePlus(exponential(min(a, b) - high)))
            var step = 1.0
            while !(logits[k] + noise[k] < winner), noise[k].isFinite, step < 0x1p64 {
                noise[k] -= step * max(noise[k].ulp, (logits[k] + noise[k]).ulp)
                step *= 2
            }
        }
        return noise
    }

    /// The level of a one-hot row.
    private static func observedLevel(_ value: Matrix, row: Int) throws -> Int {
        var level: Int?
        for k in 0..<value.cols {
            let entry = value[row, k]
            guard entry == 0 || entry == 1 else {
                throw CausalFairError.invalidArgument("a categorical node must be one-hot, got \(entry) in row \(row)")
            }
            if entry == 1 {
                guard level == nil else {
                    throw CausalFairError.invalidArgument("a categorical node must be one-hot: row \(row) has two levels")
                }
                level = k
            }
        }
        guard let level else {
            throw CausalFairError.invalidArgument("a categorical node must be one-hot: row \(row) has no level")
        }
        return level
    }
}
