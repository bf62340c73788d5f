/// An estimator of the audit indicators (DESIGN §4): for every evaluation point v of a
/// chunk (one per (row, posterior draw) pair, with its semi-latent point), whether some v′ of its ball — B_Δ at every twin level, or at the factual
/// level only (`factualOnly`, NR_Δ) — has h(v′) ≠ h(v), and for each point flagged a
/// witness v′ and its twin level.
///
/// A flag must be proven by its witness (a point of the ball classified differently),
/// so an estimator is exact or a lower bound on the indicator; none may flag a point
/// it has not seen flip. Random draws come only from streams derived from `seed` and
/// the ball's global index (`LatentSpace.ballGenerator`), so the result does not
/// depend on how `UnfairnessAudit.run` chunks the pairs. Estimators hold only their own
/// validated settings; `AuditMethod.estimator(for:)` (AuditEstimatorRegistry.swift)
/// maps the method the engine decodes to the conformance.
protocol AuditEstimator: Sendable {
    /// Candidate points one ball holds at once, given that bound propagation holds
    /// `boundRows` rows per ball (0 when it is not tried): sizes the chunks.
    func pointsPerBall(boundRows: Int) -> Int

    /// The flags, witness levels and witnesses of the points `x` (semi-latent points
    /// `latent`: its posterior draw), the chunk of the (row, draw) pairs starting at pair
    /// `firstPair` of the table; `keepGoing` is asked after every block of work, and
    /// returning false stops with `interrupted`.
    func estimate(_ x: Matrix, latent: Matrix, firstPair: Int, in audit: UnfairnessAudit, radius: Double, factualOnly: Bool,
                  seed: UInt64, keepGoing: () -> Bool) throws -> AuditResult
}
