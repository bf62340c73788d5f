extension LatentSpace {
    /// Bounds of φ⁻¹ over the ball of radius `radius` (perturbable columns) around each
    /// row of `z`, the sensitive nodes of row r at twin level `levels[r]`; nil when a
    /// mechanism admits no bound.
    func decodeBounds(_ z: Matrix, levels: [Int], radius: Double) -> AffineBounds? {
        let columns = (0..<columnCount).filter { perturbable[$0] }
        var latent = AffineBounds(points: z, generatorCount: columns.count)
        for r in 0..<z.rows {
            for (j, c) in columns.enumerated() { latent.generators[r * columns.count + j, c] = radius }
        }
        guard let scm else { return latent }
        return scm.propagateBounds(latent, fixed: scm.sensitiveInterventions(levels: levels))
    }
}
