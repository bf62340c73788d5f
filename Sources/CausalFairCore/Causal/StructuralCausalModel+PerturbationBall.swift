/// Uniform sampling from the protected causal perturbation ball (DESIGN §4).
extension StructuralCausalModel {
    /// For every row v, every twin level s (only v's own level when `factualOnly`)
    /// and `samples` draws: φ⁻¹(φ(twin_s(v)) + δ), δ uniform in the L2 ball of radius
    /// `radius` on the perturbable columns. Rows ordered (row, level, sample).
    public func perturbationBall(_ data: Matrix, radius: Double, samples: Int, factualOnly: Bool,
                                 seed: UInt64) throws -> Matrix {
        guard radius >= 0, radius <= maximumRadius else {
            throw CausalFairError.invalidArgument("radius must be in [0, \(maximumRadius)], got \(radius)")
        }
        guard samples > 0 else { throw CausalFairError.invalidArgument("n_samples must be > 0, got \(samples)") }
        let z = try phi(data)
        let factual = try factualLevels(data)
        let levelsPerRow = factualOnly ? 1 : twinLevelCount
        let total = try checkedProduct(data.rows, levelsPerRow, samples, what: "perturbation ball")
        _ = try checkedProduct(total, columnCount, what: "perturbation ball")
        let columns = (0..<columnCount).filter { perturbable[$0] }
        var generator = Xoshiro256StarStar(seed: seed)
        var points = z.gatherRows((0..<total).map { $0 / (levelsPerRow * samples) })
        let levels = (0..<total).map { factualOnly ? factual[$0 / samples] : ($0 / samples) % levelsPerRow }
        generator.perturbRows(of: &points, columns: columns, radius: radius)
        return try propagate(points, fixed: sensitiveInterventions(levels: levels))
    }
}
