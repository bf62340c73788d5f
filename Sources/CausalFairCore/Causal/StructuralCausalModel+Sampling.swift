/// Observational and interventional sampling.
extension StructuralCausalModel {
    /// `count` new individuals: each node's noise drawn from its distribution
    /// (empirical noise: a row of the latent sample, drawn independently per node),
    /// then propagated with the interventions applied.
    public func sample(count: Int, interventions: [(node: Int, values: Matrix)], seed: UInt64) throws -> Matrix {
        try checkFitted()
        guard count > 0 else { throw CausalFairError.invalidArgument("n must be > 0, got \(count)") }
        _ = try checkedProduct(count, columnCount, what: "sample")
        let fixed = try checkInterventions(interventions, rows: count)
        var latent = Matrix(rows: count, cols: columnCount)
        for (index, node) in nodes.enumerated() {
            var generator = Xoshiro256StarStar(seed: seed, stream: UInt64(index))
            for r in 0..<count {
                for c in nodeColumns[index] {
                    switch node.noise {
                    case .empirical:
                        break
                    case .normal(let loc, let scale):
                        latent[r, c] = generator.normal(mean: loc, standardDeviation: scale)
                    case .gamma(let shape, let scale, let loc):
                        latent[r, c] = loc + generator.gamma(shape: shape, scale: scale)
                    case .bernoulli(let p):
                        latent[r, c] = generator.bernoulli(p)
                    }
                }
                if node.noise == .empirical {
                    guard latentSample.rows > 0 else {
                        throw CausalFairError.computation("node \(index) has empirical noise but no latent sample")
                    }
                    let source = generator.index(below: latentSample.rows)
                    for c in nodeColumns[index] { latent[r, c] = latentSample[source, c] }
                }
            }
        }
        return try propagate(latent, fixed: fixed)
    }
}
