/// Bound propagation through the mechanisms: the set of values a perturbation ball
/// of latent points maps to (used by audits to skip balls that cannot flip).
extension StructuralCausalModel {
    /// Bounds of `propagate(latent, fixed:)` over every latent point of each set in
    /// `latent`; nil when a mechanism admits no bound (an exact expression).
    func propagateBounds(_ latent: AffineBounds, fixed: [Int: Matrix]) -> AffineBounds? {
        var values = latent
        for node in graph.topologicalOrder {
            if let value = fixed[node] {
                values.fixColumns(nodeColumns[node], to: value)
            } else if let mechanism = mechanisms[node] {
                let parents = values.gatherColumns(parentColumns[node])
                let image: AffineBounds
                switch mechanism {
                case .linear(let f): image = parents.affine(weights: f.weights, bias: f.bias)
                case .mlp(let f): image = f.network.bounds(parents)
                case .expression: return nil
                }
                values.scatterColumns(nodeColumns[node], from: image + latent.gatherColumns(nodeColumns[node]))
            }
        }
        return values
    }
}
