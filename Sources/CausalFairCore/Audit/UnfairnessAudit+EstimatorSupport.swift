// What the estimators share: predictions, flags and their witnesses, the twins, and
// the proof by bound propagation that a ball holds no flip (the balls themselves and
// their random streams: LatentSpace+AuditBalls.swift).
extension UnfairnessAudit {
    /// Predictions 1[g > τ] of every row.
    func predictions(_ x: Matrix) -> [Bool] {
        model(x).storage.map { $0 > logitThreshold }
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
    /// `x` holds the points (one per (row, draw) pair), `latent` their φ.
    func twinsAndOpenBalls(_ x: Matrix, latent pointLatent: Matrix, radius: Double, factualOnly: Bool) throws
        -> (found: AuditResult, own: [Bool], latent: Matrix, levels: [Int], perRow: Int, open: [Int]) {
        let own = predictions(x)
        let (latent, levels, perRow) = try space.balls(pointLatent, factual: try space.factualLevels(x),
                                                       factualOnly: factualOnly)
        var found = noFlags(rows: x.rows, cols: x.cols)
        recordFlips(&found, own: own, candidates: try space.decode(latent, levels: levels),
                    owner: (0..<latent.rows).map { $0 / perRow }, level: levels)
        guard radius > 0 else { return (found, own, latent, levels, perRow, []) }
        let candidates = (0..<latent.rows).filter { !found.flags[$0 / perRow] }
        let constant = provablyConstant(latent.gatherRows(candidates), levels: candidates.map { levels[$0] },
                                        radius: radius, positive: candidates.map { own[$0 / perRow] })
        return (found, own, latent, levels, perRow, candidates.indices.filter { !constant[$0] }.map { candidates[$0] })
    }
}
