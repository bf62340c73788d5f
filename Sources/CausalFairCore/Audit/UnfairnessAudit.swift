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

    /// Rows per chunk: about 4 million doubles in the widest intermediate matrix (the
    /// candidate points, or a hidden layer of the classifier or of an MLP mechanism),
    /// and about 2²⁷ multiply-adds (candidate points × parameters of the classifier and
    /// the mechanisms) per pass, so that progress — and Ctrl-C — is checked several
    /// times a second however wide the networks are.
    func chunkRows(pointsPerRow: Int) -> Int {
        var widest = max(space.columnCount, model.widths.max() ?? 1)
        for mechanism in space.scm?.nodes.map(\.mechanism) ?? [] {
            if case .mlp(let hidden, _, _, _, _) = mechanism { widest = max(widest, hidden.max() ?? 1) }
        }
        let work = Double(max(1, pointsPerRow)) * Double(model.parameters.count + (space.scm?.parameterCount ?? 0))
        return max(1, min(4_000_000 / max(1, pointsPerRow * widest), Int(Double(1 << 27) / max(1, work))))
    }

    /// Runs the estimator on every row of `x` (encoded, finite). `progress(done, total)`
    /// is called after every chunk (and every attack step); returning false stops with
    /// `interrupted`.
    public func run(_ x: Matrix, radius: Double, factualOnly: Bool, method: AuditMethod, seed: UInt64,
                    progress: (Int, Int) -> Bool = { _, _ in true }) throws -> AuditResult {
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
        let perRow: Int
        switch method {
        case .sample(let samples): perRow = levels * (radius > 0 ? samples : 1)
        case .attack(_, let restarts, _): perRow = levels * restarts
        case .exact: perRow = levels
        }
        let chunk = chunkRows(pointsPerRow: perRow)
        var generator = Xoshiro256StarStar(seed: seed)
        var start = 0
        while start < x.rows {
            let rows = Array(start..<min(start + chunk, x.rows))
            let block = x.gatherRows(rows)
            let found: (flags: [Bool], levels: [Int], witnesses: Matrix)
            switch method {
            case .sample(let samples):
                found = try sampled(block, radius: radius, factualOnly: factualOnly,
                                    samples: radius > 0 ? samples : 1, generator: &generator)
            case .attack(let steps, let restarts, let stepSize):
                found = try attacked(block, radius: radius, factualOnly: factualOnly, steps: steps, restarts: restarts,
                                     stepSize: stepSize, generator: &generator) { progress(start, x.rows) }
            case .exact:
                found = try exact(block, radius: radius, factualOnly: factualOnly, jacobian: jacobian ?? Matrix(rows: 0, cols: 0))
            }
            result.flags += found.flags
            result.witnessLevels += found.levels
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

    /// Latent starting points: for every row its `levels` twin levels (or its factual
    /// level), each repeated `copies` times; rows ordered (row, level, copy).
    func startingPoints(_ x: Matrix, factualOnly: Bool, copies: Int) throws -> (latent: Matrix, levels: [Int], perRow: Int) {
        let latent = try space.phi(x)
        let factual = try space.factualLevels(x)
        let levelsPerRow = factualOnly ? 1 : space.levelCount
        let perRow = levelsPerRow * copies
        let count = try checkedProduct(x.rows, perRow, what: "audit candidates")
        let levels = (0..<count).map { factualOnly ? factual[$0 / perRow] : ($0 / copies) % levelsPerRow }
        let repeated = latent.gatherRows((0..<count).map { $0 / perRow })
        return (space.settingLevels(repeated, levels: levels), levels, perRow)
    }

    /// The first candidate of each row whose prediction differs from the row's own.
    func firstFlip(own: [Bool], candidates: Matrix, levels: [Int], perRow: Int) -> (flags: [Bool], levels: [Int], witnesses: Matrix) {
        let predicted = predictions(candidates)
        var flags = [Bool](repeating: false, count: own.count)
        var witnessLevels = [Int](repeating: -1, count: own.count)
        var witnesses = Matrix(rows: own.count, cols: candidates.cols, repeating: .nan)
        for r in 0..<own.count {
            guard let i = (r * perRow..<(r + 1) * perRow).first(where: { predicted[$0] != own[r] }) else { continue }
            flags[r] = true
            witnessLevels[r] = levels[i]
            for c in 0..<candidates.cols { witnesses[r, c] = candidates[i, c] }
        }
        return (flags, witnessLevels, witnesses)
    }

    /// Every twin itself and `samples` uniform points of its ball (the twin is included,
    /// so a counterfactually unfair point is flagged at every radius).
    private func sampled(_ x: Matrix, radius: Double, factualOnly: Bool, samples: Int,
                         generator: inout Xoshiro256StarStar) throws -> (flags: [Bool], levels: [Int], witnesses: Matrix) {
        let copies = radius > 0 ? samples + 1 : 1
        var (latent, levels, perRow) = try startingPoints(x, factualOnly: factualOnly, copies: copies)
        if radius > 0 {
            let centres = latent
            space.perturbUniformly(&latent, radius: radius, generator: &generator)
            for i in stride(from: 0, to: latent.rows, by: copies) {
                for c in 0..<latent.cols { latent[i, c] = centres[i, c] }
            }
        }
        let candidates = try space.decode(latent, levels: levels)
        return firstFlip(own: predictions(x), candidates: candidates, levels: levels, perRow: perRow)
    }

    /// `keepGoing` is asked after every step (a step costs a chunk's forward pass three times).
    private func attacked(_ x: Matrix, radius: Double, factualOnly: Bool, steps: Int, restarts: Int, stepSize: Double,
                          generator: inout Xoshiro256StarStar,
                          keepGoing: () -> Bool) throws -> (flags: [Bool], levels: [Int], witnesses: Matrix) {
        let own = predictions(x)
        let (start, levels, perRow) = try startingPoints(x, factualOnly: factualOnly, copies: restarts)
        var delta = Matrix(rows: start.rows, cols: start.cols)
        let ascent = ProjectedAscent(radius: radius, mask: space.perturbable)
        let columns = (0..<start.cols).filter { space.perturbable[$0] }
        for i in 0..<start.rows where i % restarts != 0 {
            let draw = generator.uniformInBall(dimension: columns.count, radius: radius)
            for (j, c) in columns.enumerated() { delta[i, c] = draw[j] }
        }
        // Direction that moves toward the other class: −∇g where the row is positive.
        let signs = (0..<start.rows).map { own[$0 / perRow] ? -1.0 : 1.0 }
        // One decode per step: its points are checked for a flip, and its pullback
        // gives the next step's direction.
        let step = stepSize > 0 ? stepSize : 2.5 * radius / Double(max(steps, 1))
        var best = (flags: [Bool](repeating: false, count: own.count), levels: [Int](repeating: -1, count: own.count),
                    witnesses: Matrix(rows: own.count, cols: x.cols, repeating: .nan))
        for iteration in 0...(radius > 0 ? steps : 0) {
            let (points, pullback) = try space.decodeWithPullback(start + delta, levels: levels)
            let found = firstFlip(own: own, candidates: points, levels: levels, perRow: perRow)
            for r in 0..<own.count where found.flags[r] && !best.flags[r] {
                best.flags[r] = true
                best.levels[r] = found.levels[r]
                for c in 0..<x.cols { best.witnesses[r, c] = found.witnesses[r, c] }
            }
            guard iteration < steps, radius > 0, best.flags.contains(false) else { break }
            let inputGradient = model.inputGradientPass(model.forwardPass(points)).gradient
            let direction = pullback(Rows.scaled(inputGradient, by: signs))
            delta = ascent.normalisedGradientAscent(from: delta, steps: 1, stepSize: step) { _ in direction }
            guard keepGoing() else { throw CausalFairError.interrupted("audit interrupted") }
        }
        return best
    }

    /// The closed form decides each flag; the witness is the ball's extreme point.
    private func exact(_ x: Matrix, radius: Double, factualOnly: Bool,
                       jacobian: Matrix) throws -> (flags: [Bool], levels: [Int], witnesses: Matrix) {
        let own = predictions(x)
        let (start, levels, perRow) = try startingPoints(x, factualOnly: factualOnly, copies: 1)
        let twins = try space.decode(start, levels: levels)
        let inputs = model.widths[0]
        let weights = Array(model.parameters[0..<inputs])
        let projected = BLAS.multiply(jacobian, weights, transposeA: true)
        let norm = projected.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let halfWidth = radius * norm
        let logits = model(twins).storage
        var flags = [Bool](repeating: false, count: own.count)
        var witnessLevels = [Int](repeating: -1, count: own.count)
        var witnesses = Matrix(rows: own.count, cols: x.cols, repeating: .nan)
        // The ball's extreme points toward either class: ∓Δ J Jᵀw/‖Jᵀw‖.
        let towardNegative = norm > 0 ? BLAS.multiply(jacobian, projected.map { -radius * $0 / norm })
                                      : [Double](repeating: 0, count: x.cols)
        for r in 0..<own.count {
            let positive = own[r]
            guard let i = (r * perRow..<(r + 1) * perRow).first(where: { i in
                positive ? logits[i] - halfWidth <= logitThreshold : logits[i] + halfWidth > logitThreshold
            }) else { continue }
            flags[r] = true
            witnessLevels[r] = levels[i]
            for c in 0..<x.cols { witnesses[r, c] = twins[i, c] + (positive ? towardNegative[c] : -towardNegative[c]) }
        }
        return (flags, witnessLevels, witnesses)
    }
}
