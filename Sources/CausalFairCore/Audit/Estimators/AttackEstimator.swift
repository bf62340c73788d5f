/// `attack`: every twin itself, then, in each ball that bound propagation does not
/// prove constant, a projected normalised gradient search on δ toward the decision
/// boundary from δ = 0 and `restarts − 1` uniform starts; a point's searches stop once
/// it is flagged. A lower bound on the indicator, tighter than sampling.
struct AttackEstimator: AuditEstimator {
    /// Normalised steps per search (>= 0).
    let steps: Int
    /// Searches per ball (> 0).
    let restarts: Int
    /// Step size; 0 means `ProjectedAscent.stepSize`'s default.
    let stepSize: Double

    func pointsPerBall(boundRows: Int) -> Int { max(restarts, boundRows) }

    func estimate(_ x: Matrix, latent pointLatent: Matrix, firstPair: Int, in audit: UnfairnessAudit,
                  radius: Double, factualOnly: Bool, seed: UInt64, keepGoing: () -> Bool) throws -> AuditResult {

        var (found, own, latent, levels, perRow, open) = try audit.twinsAndOpenBalls(
            x, latent: pointLatent, radius: radius, factualOnly: factualOnly)
        var ball = open.flatMap { repeatElement($0, count: restarts) }
        var delta = Matrix(rows: ball.count, cols: x.cols)
        for (a, index) in open.enumerated() {
            var generator = LatentSpace.ballGenerator(seed: seed, firstPair: firstPair, perRow: perRow, index: index)
            for copy in 1..<restarts {
                audit.space.perturb(&delta, row: a * restarts + copy, radius: radius, generator: &generator)
            }
        }
        let ascent = ProjectedAscent(radius: radius, mask: audit.space.perturbable)
        let step = ProjectedAscent.stepSize(requested: stepSize, radius: radius, steps: steps)
        // One decode per step: its points are checked for a flip, and its pullback gives
        // the next step's direction (toward the other class: −∇g where the point is positive).
        for iteration in 0...steps where !ball.isEmpty {
            let level = ball.map { levels[$0] }
            let owner = ball.map { $0 / perRow }
            let (points, pullback) = try audit.space.decodeWithPullback(latent.gatherRows(ball) + delta, levels: level)
            audit.recordFlips(&found, own: own, candidates: points, owner: owner, level: level)
            guard iteration < steps else { break }
            let inputGradient = audit.model.logitInputGradient(audit.model.forwardPass(points))
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
}
