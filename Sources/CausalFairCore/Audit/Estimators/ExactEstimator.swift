/// `exact`, for a linear model on an affine φ⁻¹: the closed form
/// (`LinearLogitRange`) decides each flag — twin s's ball holds a flip exactly when
/// [g(x_s) − Δ‖Jᵀw‖, g(x_s) + Δ‖Jᵀw‖] crosses τ — and the witness is the ball's
/// extreme point toward the other class.
struct ExactEstimator: AuditEstimator {
    /// J, the constant Jacobian of φ⁻¹ with respect to the perturbable coordinates.
    let jacobian: Matrix

    func pointsPerBall(boundRows: Int) -> Int { 1 }

    func estimate(_ x: Matrix, latent pointLatent: Matrix, firstPair: Int, in audit: UnfairnessAudit,
                  radius: Double, factualOnly: Bool, seed: UInt64, keepGoing: () -> Bool) throws -> AuditResult {

        let own = audit.predictions(x)
        let (latent, levels, perRow) = try audit.space.balls(pointLatent, factual: try audit.space.factualLevels(x),
                                                                factualOnly: factualOnly)
        let twins = try audit.space.decode(latent, levels: levels)
        let range = LinearLogitRange(model: audit.model, jacobian: jacobian)
        let (projected, norm) = (range.projectedWeights, range.slope)
        let halfWidth = radius * norm
        let logits = audit.model(twins).storage
        var found = audit.noFlags(rows: x.rows, cols: x.cols)
        // The ball's extreme points toward either class: ∓Δ J Jᵀw/‖Jᵀw‖.
        let towardNegative = norm > 0 ? BLAS.multiply(jacobian, projected.map { -radius * $0 / norm })
                                      : [Double](repeating: 0, count: x.cols)
        for r in 0..<own.count {
            let positive = own[r]
            guard let i = (r * perRow..<(r + 1) * perRow).first(where: { i in
                positive ? logits[i] - halfWidth <= audit.logitThreshold : logits[i] + halfWidth > audit.logitThreshold
            }) else { continue }
            found.flags[r] = true
            found.witnessLevels[r] = levels[i]
            for c in 0..<x.cols { found.witnesses[r, c] = twins[i, c] + (positive ? towardNegative[c] : -towardNegative[c]) }
        }
        return found
    }
}
