/// Bound propagation through the mechanisms: the set of values a perturbation ball
/// of latent points maps to (used by audits to skip balls that cannot flip).
extension StructuralCausalModel {
    /// Bounds of `propagate(latent, fixed:)` over every latent point of each set in
    /// `latent`; nil when a mechanism admits no bound (`Mechanism.bounds`).
    func propagateBounds(_ latent: AffineBounds, fixed: [Int: Matrix]) -> AffineBounds? {
        var values = latent
        for node in graph.topologicalOrder {
            if let value = fixed[node] {
                values.fixColumns(nodeColumns[node], to: value)
            } else if let mechanism = mechanisms[node] {
                guard let image = mechanism.bounds(parents: values.gatherColumns(parentColumns[node]),
                                                   noise: latent.gatherColumns(nodeColumns[node])) else { return nil }
                values.scatterColumns(nodeColumns[node], from: image)
            }
        }
        return values
    }
}
