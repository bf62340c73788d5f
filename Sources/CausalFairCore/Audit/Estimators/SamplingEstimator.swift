/// `sample`: every twin itself, then up to `samples` uniform points of each ball that
/// bound propagation does not prove constant, drawn `UnfairnessAudit.sampleBlock` at a
/// time until the point is flagged. A lower bound on the indicator.
struct SamplingEstimator: AuditEstimator {
    /// Uniform draws per ball (> 0).
    let samples: Int

    func pointsPerBall(boundRows: Int) -> Int { max(min(samples, UnfairnessAudit.sampleBlock), boundRows) }

    func estimate(_ x: Matrix, latent pointLatent: Matrix, firstPair: Int, in audit: UnfairnessAudit,
                  radius: Double, factualOnly: Bool, seed: UInt64, keepGoing: () -> Bool) throws -> AuditResult {

        var (found, own, latent, levels, perRow, open) = try audit.twinsAndOpenBalls(
            x, latent: pointLatent, radius: radius, factualOnly: factualOnly)
        var generators = open.map {
            LatentSpace.ballGenerator(seed: seed, firstPair: firstPair, perRow: perRow, index: $0)
        }
        var drawn = 0
        while drawn < samples, !open.isEmpty {
            let block = min(UnfairnessAudit.sampleBlock, samples - drawn)
            let owner = open.flatMap { repeatElement($0, count: block) }
            var points = latent.gatherRows(owner)
            for a in open.indices {
                for s in 0..<block {
                    audit.space.perturb(&points, row: a * block + s, radius: radius, generator: &generators[a])
                }
            }
            let level = owner.map { levels[$0] }
            audit.recordFlips(&found, own: own, candidates: try audit.space.decode(points, levels: level),
                        owner: owner.map { $0 / perRow }, level: level)
            let keep = open.indices.filter { !found.flags[open[$0] / perRow] }
            open = keep.map { open[$0] }
            generators = keep.map { generators[$0] }
            drawn += block
            guard keepGoing() else { throw CausalFairError.interrupted("audit interrupted") }
        }
        return found
    }
}
