/// Which changes of a Gumbel-max node's level the noise posterior allows (DESIGN §4,
/// "Discrete nodes": the metric is ∞ across a switch of zero posterior probability).
extension StructuralCausalModel {
    /// For each pair of rows (a_r, b_r): whether every non-sensitive Gumbel-max node can
    /// take b's level at b's parents with a noise that gives a's level at a's parents,
    /// i.e. P(V(pa_b, G) = v_b | V(pa_a, G) = v_a) > 0. With Δ = ℓ(pa_b) − ℓ(pa_a)
    /// (ℓ₀ = 0) this holds iff v_b = v_a or Δ_{v_b} > Δ_{v_a}: the set of Gumbel noise
    /// with ℓ_a,i + G_i > ℓ_a,j + G_j and ℓ_b,j + G_j > ℓ_b,i + G_i is
    /// ℓ_a,i − ℓ_a,j > G_j − G_i > ℓ_b,i − ℓ_b,j (other levels' noise taken low), so it
    /// is non-empty exactly then. Binary: 1 → 0 needs ℓ_b < ℓ_a, 0 → 1 needs ℓ_b > ℓ_a,
    /// the support of P(V′=1 | V=1) = min(1, σ(ℓ′)/σ(ℓ)).
    func discreteSwitchesArePossible(_ a: Matrix, _ b: Matrix) -> [Bool] {
        var possible = [Bool](repeating: true, count: a.rows)
        for node in nodes.indices where nodes[node].usesGumbelMax && !nodes[node].isSensitive {
            guard let mechanism = mechanisms[node] as? DiscreteMechanism else { continue }
            let logitsA = mechanism.logits(a.gatherColumns(parentColumns[node]))
            let logitsB = mechanism.logits(b.gatherColumns(parentColumns[node]))
            let valueA = a.gatherColumns(nodeColumns[node])
            let valueB = b.gatherColumns(nodeColumns[node])
            for r in 0..<a.rows where possible[r] {
                let (i, j) = (Self.level(valueA, row: r), Self.level(valueB, row: r))
                guard i != j else { continue }
                func shift(_ k: Int) -> Double { k == 0 ? 0 : logitsB[r, k - 1] - logitsA[r, k - 1] }
                possible[r] = shift(j) > shift(i)
            }
        }
        return possible
    }

    /// The level of a 0/1 column or one-hot row (the largest entry's column).
    private static func level(_ value: Matrix, row: Int) -> Int {
        guard value.cols > 1 else { return value[row, 0] > 0.5 ? 1 : 0 }
        var best = 0
        for k in 1..<value.cols where value[row, k] > value[row, best] { best = k }
        return best
    }
}
