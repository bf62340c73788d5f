/// Estimators of the unfair area U_Δ, the counterfactual unfairness U_0 and the
/// non-robust area NR_Δ (DESIGN §4) for a scalar-logit classifier h(x) = 1[g(x) > τ].
///
/// Each indicator asks, for every evaluation point v, whether some v′ in the ball —
/// the union over twin levels, or the factual level only (`factualOnly`, NR_Δ) — has
/// h(v′) ≠ h(v). Points are processed in chunks so memory stays bounded.
public struct UnfairnessAudit: Sendable {
    /// The classifier.
    public let model: MultilayerPerceptron
    /// The perturbation space (an SCM's semi-latent space, or the inputs).
    public let space: LatentSpace
    /// Logit threshold τ: h(x) = 1 exactly when g(x) > τ.
    public let logitThreshold: Double

    /// An audit of `model` in `space`; throws unless the model takes the space's columns.
    public init(model: MultilayerPerceptron, space: LatentSpace, logitThreshold: Double) throws {
        guard model.widths.first == space.columnCount, model.widths.last == 1 else {
            throw CausalFairError.invalidArgument(
                "the model takes \(model.widths.first ?? 0) inputs; the data has \(space.columnCount) columns")
        }
        guard logitThreshold.isFinite else {
            throw CausalFairError.invalidArgument("the logit threshold must be finite (a probability threshold in (0, 1))")
        }
        self.model = model
        self.space = space
        self.logitThreshold = logitThreshold
    }

    /// Sample draws per ball between two checks for flips: balls whose point is
    /// flagged stop drawing.
    static let sampleBlock = 64

    /// Bound propagation is tried only on balls of at most this many perturbable
    /// dimensions (its cost grows with them).
    static let maximumCertifiedDimensions = 64

    /// Width of the widest layer a candidate point passes through: the data, a hidden
    /// layer of the classifier or of an MLP mechanism.
    var widestLayer: Int {
        var widest = max(space.columnCount, model.widths.max() ?? 1)
        for mechanism in space.scm?.nodes.map(\.mechanism) ?? [] {
            if case .mlp(let hidden, _, _, _, _) = mechanism { widest = max(widest, hidden.max() ?? 1) }
        }
        return widest
    }

    /// Rows per chunk: about 4 million doubles in the widest intermediate matrix (the
    /// candidate points, or a hidden layer of the classifier or of an MLP mechanism),
    /// and about 2²⁷ multiply-adds (candidate points × parameters of the classifier and
    /// the mechanisms) per pass, so that progress — and Ctrl-C — is checked several
    /// times a second however wide the networks are.
    func chunkRows(pointsPerRow: Int) -> Int {
        let work = Double(max(1, pointsPerRow)) * Double(model.parameters.count + (space.scm?.parameterCount ?? 0))
        return max(1, min(4_000_000 / max(1, pointsPerRow * widestLayer), Int(Double(1 << 27) / max(1, work))))
    }

    /// Elements of the widest matrix of bound propagation (a layer's generators, k rows
    /// per ball) that `provablyConstant` holds at once: balls are bounded a block at a
    /// time, so its working memory stays near a few MB whatever the chunk size.
    static let boundBlockElements = 1 << 17

    /// Runs the estimator on every row of `x` (encoded, finite). `progress(done, total)`
    /// is called after every chunk, sample block and attack step; returning false stops
    /// with `interrupted`.
    ///
    /// `sample` and `attack` first check every twin itself, then prove by bound
    /// propagation (`AffineBounds`) which balls cannot contain a flip and search only
    /// the others; random draws come from one stream per ball (seeded by `seed` and the
    /// ball's row and level), so the draws do not depend on chunking (BLAS may still
    /// round a product differently for another row count).
    ///
    /// `firstRow` is the position of `x`'s first row in a larger table audited in
    /// parts: row r of `x` draws from the streams of row `firstRow + r`, so the parts
    /// `x[a..<b]` run with `firstRow: a` give the flags, levels and witnesses of the
    /// whole table's rows a..<b.
    public func run(_ x: Matrix, radius: Double, factualOnly: Bool, method: AuditMethod, seed: UInt64,
                    firstRow: Int = 0, progress: (Int, Int) -> Bool = { _, _ in true }) throws -> AuditResult {
        guard firstRow >= 0 else { throw CausalFairError.invalidArgument("first_row must be >= 0, got \(firstRow)") }
        guard radius >= 0, radius <= maximumRadius else {
            throw CausalFairError.invalidArgument("radius must be in [0, \(maximumRadius)], got \(radius)")
        }
        guard x.rows > 0, x.cols == space.columnCount else {
            throw CausalFairError.invalidArgument("X must have at least one row and \(space.columnCount) columns")
        }
        guard x.isFinite else { throw CausalFairError.invalidArgument("X contains NaN or infinity") }
        let jacobian: Matrix?
        switch method {
        case .sample(let samples):
            guard samples > 0 else { throw CausalFairError.invalidArgument("n_samples must be > 0, got \(samples)") }
            jacobian = nil
        case .attack(let steps, let restarts, let stepSize):
            guard steps >= 0, restarts > 0, stepSize >= 0, stepSize.isFinite else {
                throw CausalFairError.invalidArgument("attack needs steps >= 0, restarts > 0 and a step size >= 0")
            }
            jacobian = nil
        case .exact:
            guard model.widths.count == 2, let constant = try space.constantJacobian() else {
                throw CausalFairError.invalidArgument(
                    "the exact method needs a linear model (logistic regression) and a linear SCM")
            }
            jacobian = constant
        }
        var result = AuditResult(flags: [], witnessLevels: [], witnesses: Matrix(rows: x.rows, cols: x.cols, repeating: .nan))
        let levels = factualOnly ? 1 : space.levelCount
        // Candidates per row and pass; bound propagation holds k + 2 rows per ball.
        let dimensions = space.perturbable.filter { $0 }.count
        let boundRows = dimensions <= Self.maximumCertifiedDimensions ? dimensions + 2 : 0
        let perRow: Int
        switch method {
        case .sample(let samples): perRow = levels * max(min(samples, Self.sampleBlock), boundRows)
        case .attack(_, let restarts, _): perRow = levels * max(restarts, boundRows)
        case .exact: perRow = levels
        }
        let chunk = chunkRows(pointsPerRow: perRow)
        var start = 0
        while start < x.rows {
            let rows = Array(start..<min(start + chunk, x.rows))
            let block = x.gatherRows(rows)
            let found: AuditResult
            switch method {
            case .sample(let samples):
                found = try sampled(block, firstRow: firstRow &+ start, radius: radius, factualOnly: factualOnly,
                                    samples: samples, seed: seed) { progress(start, x.rows) }
            case .attack(let steps, let restarts, let stepSize):
                found = try attacked(block, firstRow: firstRow &+ start, radius: radius, factualOnly: factualOnly, steps: steps,
                                     restarts: restarts, stepSize: stepSize, seed: seed) { progress(start, x.rows) }
            case .exact:
                found = try exact(block, radius: radius, factualOnly: factualOnly, jacobian: jacobian ?? Matrix(rows: 0, cols: 0))
            }
            result.flags += found.flags
            result.witnessLevels += found.witnessLevels
            for (i, r) in rows.enumerated() where found.flags[i] {
                for c in 0..<x.cols { result.witnesses[r, c] = found.witnesses[i, c] }
            }
            start += rows.count
            guard progress(start, x.rows) else { throw CausalFairError.interrupted("audit interrupted") }
        }
        return result
    }

    /// Predictions 1[g > τ] of every row.
    func predictions(_ x: Matrix) -> [Bool] {
        model(x).storage.map { $0 > logitThreshold }
    }

    /// The balls of every row: its latent point at each of its `levels` twin levels (or
    /// at its factual level), rows ordered (row, level), with their levels.
    func balls(_ x: Matrix, factualOnly: Bool) throws -> (latent: Matrix, levels: [Int], perRow: Int) {
        let latent = try space.phi(x)
        let factual = try space.factualLevels(x)
        let perRow = factualOnly ? 1 : space.levelCount
        let count = try checkedProduct(x.rows, perRow, what: "audit balls")
        let levels = (0..<count).map { factualOnly ? factual[$0 / perRow] : $0 % perRow }
        let repeated = latent.gatherRows((0..<count).map { $0 / perRow })
        return (space.settingLevels(repeated, levels: levels), levels, perRow)
    }

    /// An empty result for `rows` points.
    func noFlags(rows: Int, cols: Int) -> AuditResult {
        AuditResult(flags: [Bool](repeating: false, count: rows), witnessLevels: [Int](repeating: -1, count: rows),
                    witnesses: Matrix(rows: rows, cols: cols, repeating: .nan))
    }

    /// Records, for every point not yet flagged, the first candidate (in order) whose
    /// prediction differs from the point's own; candidate i belongs to point `owner[i]`
    /// and lies in a ball of twin level `level[i]`.
    func recordFlips(_ found: inout AuditResult, own: [Bool], candidates: Matrix, owner: [Int], level: [Int]) {
        let predicted = predictions(candidates)
        for i in 0..<candidates.rows {
            let r = owner[i]
            guard !found.flags[r], predicted[i] != own[r] else { continue }
            found.flags[r] = true
            found.witnessLevels[r] = level[i]
            for c in 0..<candidates.cols { found.witnesses[r, c] = candidates[i, c] }
        }
    }

    /// Whether each ball (B_Δ around latent row i at twin level `levels[i]`) provably
    /// holds no flip: g − τ keeps its sign on the whole ball (`positive[i]`: g > τ),
    /// by bound propagation with a relative margin of 1e-9 for rounding. All false when
    /// the space admits no bounds (an exact expression mechanism) or has more than
    /// `maximumCertifiedDimensions` perturbable dimensions.
    func provablyConstant(_ latent: Matrix, levels: [Int], radius: Double, positive: [Bool]) -> [Bool] {
        let dimensions = space.perturbable.filter { $0 }.count
        guard dimensions <= Self.maximumCertifiedDimensions else { return [Bool](repeating: false, count: latent.rows) }
        let block = max(1, Self.boundBlockElements / max(1, (dimensions + 2) * widestLayer))
        var constant: [Bool] = []
        constant.reserveCapacity(latent.rows)
        var start = 0
        while start < latent.rows {
            let balls = Array(start..<min(start + block, latent.rows))
            guard let inputs = space.decodeBounds(latent.gatherRows(balls), levels: balls.map { levels[$0] },
                                                  radius: radius) else {
                return [Bool](repeating: false, count: latent.rows)
            }
            let logits = model.bounds(inputs)
            let half = logits.halfWidths().storage
            for (i, ball) in balls.enumerated() {
                let c = logits.centre.storage[i]
                let h = half[i] + 1e-9 * (1 + abs(c) + half[i] + abs(logitThreshold))
                constant.append(positive[ball] ? c - h > logitThreshold : c + h <= logitThreshold)
            }
            start += balls.count
        }
        return constant
    }

    /// The twins themselves (every point flagged by its own twin is done), then the
    /// balls that remain to be searched: those of unflagged points without a proof.
    private func twinsAndOpenBalls(_ x: Matrix, radius: Double, factualOnly: Bool) throws
        -> (found: AuditResult, own: [Bool], latent: Matrix, levels: [Int], perRow: Int, open: [Int]) {
        let own = predictions(x)
        let (latent, levels, perRow) = try balls(x, factualOnly: factualOnly)
        var found = noFlags(rows: x.rows, cols: x.cols)
        recordFlips(&found, own: own, candidates: try space.decode(latent, levels: levels),
                    owner: (0..<latent.rows).map { $0 / perRow }, level: levels)
        guard radius > 0 else { return (found, own, latent, levels, perRow, []) }
        let candidates = (0..<latent.rows).filter { !found.flags[$0 / perRow] }
        let constant = provablyConstant(latent.gatherRows(candidates), levels: candidates.map { levels[$0] },
                                        radius: radius, positive: candidates.map { own[$0 / perRow] })
        return (found, own, latent, levels, perRow, candidates.indices.filter { !constant[$0] }.map { candidates[$0] })
    }

    /// One random stream per ball: ball `index` of the chunk starting at row `firstRow`
    /// of the table (the stream label wraps modulo 2⁶⁴; `firstRow` is never negative).
    private func ballGenerator(seed: UInt64, firstRow: Int, perRow: Int, index: Int) -> Xoshiro256StarStar {
        Xoshiro256StarStar(seed: seed, stream: UInt64(truncatingIfNeeded: firstRow) &* UInt64(perRow) &+ UInt64(index))
    }

    /// Adds a uniform draw from the radius-`radius` ball (perturbable columns) to row `row`.
    private func perturb(_ z: inout Matrix, row: Int, radius: Double, generator: inout Xoshiro256StarStar) {
        let columns = (0..<z.cols).filter { space.perturbable[$0] }
        let draw = generator.uniformInBall(dimension: columns.count, radius: radius)
        for (j, c) in columns.enumerated() { z[row, c] += draw[j] }
    }

    /// Every twin itself, then up to `samples` uniform points of each open ball, drawn
    /// `sampleBlock` at a time until the point is flagged; `keepGoing` is asked after
    /// every block.
    private func sampled(_ x: Matrix, firstRow: Int, radius: Double, factualOnly: Bool, samples: Int,
                         seed: UInt64, keepGoing: () -> Bool) throws -> AuditResult {
        var (found, own, latent, levels, perRow, open) = try twinsAndOpenBalls(x, radius: radius, factualOnly: factualOnly)
        var generators = open.map { ballGenerator(seed: seed, firstRow: firstRow, perRow: perRow, index: $0) }
        var drawn = 0
        while drawn < samples, !open.isEmpty {
            let block = min(Self.sampleBlock, samples - drawn)
            let owner = open.flatMap { repeatElement($0, count: block) }
            var points = latent.gatherRows(owner)
            for a in open.indices {
                for s in 0..<block { perturb(&points, row: a * block + s, radius: radius, generator: &generators[a]) }
            }
            let level = owner.map { levels[$0] }
            recordFlips(&found, own: own, candidates: try space.decode(points, levels: level),
                        owner: owner.map { $0 / perRow }, level: level)
            let keep = open.indices.filter { !found.flags[open[$0] / perRow] }
            open = keep.map { open[$0] }
            generators = keep.map { generators[$0] }
            drawn += block
            guard keepGoing() else { throw CausalFairError.interrupted("audit interrupted") }
        }
        return found
    }

    /// Every twin itself, then a projected gradient search in each open ball from δ = 0
    /// and `restarts − 1` uniform starts; a point's searches stop once it is flagged.
    /// `keepGoing` is asked after every step.
    private func attacked(_ x: Matrix, firstRow: Int, radius: Double, factualOnly: Bool, steps: Int, restarts: Int,
                          stepSize: Double, seed: UInt64, keepGoing: () -> Bool) throws -> AuditResult {
        var (found, own, latent, levels, perRow, open) = try twinsAndOpenBalls(x, radius: radius, factualOnly: factualOnly)
        var ball = open.flatMap { repeatElement($0, count: restarts) }
        var delta = Matrix(rows: ball.count, cols: x.cols)
        for (a, index) in open.enumerated() {
            var generator = ballGenerator(seed: seed, firstRow: firstRow, perRow: perRow, index: index)
            for copy in 1..<restarts { perturb(&delta, row: a * restarts + copy, radius: radius, generator: &generator) }
        }
        let ascent = ProjectedAscent(radius: radius, mask: space.perturbable)
        let step = stepSize > 0 ? stepSize : 2.5 * radius / Double(max(steps, 1))
        // One decode per step: its points are checked for a flip, and its pullback gives
        // the next step's direction (toward the other class: −∇g where the point is positive).
        for iteration in 0...steps where !ball.isEmpty {
            let level = ball.map { levels[$0] }
            let owner = ball.map { $0 / perRow }
            let (points, pullback) = try space.decodeWithPullback(latent.gatherRows(ball) + delta, levels: level)
            recordFlips(&found, own: own, candidates: points, owner: owner, level: level)
            guard iteration < steps else { break }
            let inputGradient = model.inputGradientPass(model.forwardPass(points)).gradient
            let direction = pullback(Rows.scaled(inputGradient, by: owner.map { own[$0] ? -1.0 : 1.0 }))
            let keep = ball.indices.filter { !found.flags[owner[$0]] }
            delta = ascent.normalisedGradientAscent(from: delta.gatherRows(keep), steps: 1, stepSize: step) { _ in
                direction.gatherRows(keep)
            }
            ball = keep.map { ball[$0] }
            guard keepGoing() else { throw CausalFairError.interrupted("audit interrupted") }
        }
        return found
    }

    /// The closed form decides each flag; the witness is the ball's extreme point.
    private func exact(_ x: Matrix, radius: Double, factualOnly: Bool, jacobian: Matrix) throws -> AuditResult {
        let own = predictions(x)
        let (latent, levels, perRow) = try balls(x, factualOnly: factualOnly)
        let twins = try space.decode(latent, levels: levels)
        let inputs = model.widths[0]
        let weights = Array(model.parameters[0..<inputs])
        let projected = BLAS.multiply(jacobian, weights, transposeA: true)
        let norm = projected.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let halfWidth = radius * norm
        let logits = model(twins).storage
        var found = noFlags(rows: x.rows, cols: x.cols)
        // The ball's extreme points toward either class: ∓Δ J Jᵀw/‖Jᵀw‖.
        let towardNegative = norm > 0 ? BLAS.multiply(jacobian, projected.map { -radius * $0 / norm })
                                      : [Double](repeating: 0, count: x.cols)
        for r in 0..<own.count {
            let positive = own[r]
            guard let i = (r * perRow..<(r + 1) * perRow).first(where: { i in
                positive ? logits[i] - halfWidth <= logitThreshold : logits[i] + halfWidth > logitThreshold
            }) else { continue }
            found.flags[r] = true
            found.witnessLevels[r] = levels[i]
            for c in 0..<x.cols { found.witnesses[r, c] = twins[i, c] + (positive ? towardNegative[c] : -towardNegative[c]) }
        }
        return found
    }
}
