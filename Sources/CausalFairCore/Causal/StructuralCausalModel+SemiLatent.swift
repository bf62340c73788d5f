/// The semi-latent map φ, its inverse, its vector–Jacobian product, and the causal
/// fair metric built on it.
extension StructuralCausalModel {
    /// φ(v): v on sensitive nodes, the latent noise u everywhere else.
    public func phi(_ data: Matrix) throws -> Matrix {
        try phi(data, streams: PosteriorStreams(seed: 0))
    }

    /// φ(v) with a sampling mechanism's noise drawn from `streams` (see `abduct(_:streams:)`).
    func phi(_ data: Matrix, streams: PosteriorStreams) throws -> Matrix {
        var latent = try abduct(data, streams: streams)
        for node in sensitiveNodes {
            latent.scatterColumns(nodeColumns[node], from: data.gatherColumns(nodeColumns[node]))
        }
        return latent
    }

    /// φ⁻¹(z): the mechanisms run forward from z, sensitive nodes held at z's values.
    public func phiInverse(_ z: Matrix) throws -> Matrix {
        try checkFitted()
        try checkData(z, name: "z")
        return try propagate(z, fixed: sensitiveValues(z))
    }

    private func sensitiveValues(_ z: Matrix) -> [Int: Matrix] {
        Dictionary(uniqueKeysWithValues: sensitiveNodes.map { ($0, z.gatherColumns(nodeColumns[$0])) })
    }

    /// Vector–Jacobian product of φ⁻¹ at `z`: Jᵀ c for each row, where J = ∂φ⁻¹(z)/∂z.
    /// Reverse mode through the mechanisms in reverse topological order; a sensitive
    /// node passes its cotangent to its own coordinate only (it is held fixed); a
    /// post-nonlinear node scales it by the outer function's slope; a Gumbel-max node,
    /// whose hard value has zero Jacobian, contributes its straight-through surrogate
    /// (the relaxation's, `GumbelSoftmax`), so J is then a search direction, not ∂φ⁻¹/∂z.
    public func phiInverseVJP(_ z: Matrix, cotangent: Matrix) throws -> Matrix {
        try checkFitted()
        try checkData(z, name: "z")
        try checkData(cotangent, name: "cotangent")
        guard cotangent.rows == z.rows else {
            throw CausalFairError.invalidArgument("cotangent has \(cotangent.rows) rows, z has \(z.rows)")
        }
        return try phiInverseWithPullback(z).pullback(cotangent)
    }

    /// φ⁻¹(z), and the pullback c ↦ Jᵀc at z, which reuses the forward pass.
    public func phiInverseWithPullback(_ z: Matrix) throws -> (values: Matrix, pullback: Pullback) {
        try propagateWithPullback(z, fixed: sensitiveValues(z))
    }

    /// `propagate(latent, fixed:)`, recording what the pullback of every mechanism
    /// needs; intervened nodes pass their cotangent to their own coordinates only.
    public func propagateWithPullback(_ latent: Matrix, fixed: [Int: Matrix]) throws -> (values: Matrix, pullback: Pullback) {
        try checkFitted()
        guard latent.cols == columnCount else {
            throw CausalFairError.invalidArgument("latent has \(latent.cols) columns, the model has \(columnCount)")
        }
        var values = latent
        var tapes = [(any MechanismTape)?](repeating: nil, count: nodes.count)
        for node in graph.topologicalOrder {
            if let value = fixed[node] {
                values.scatterColumns(nodeColumns[node], from: value)
            } else if let mechanism = mechanisms[node] {
                let (value, tape) = mechanism.recording(parents: values.gatherColumns(parentColumns[node]),
                                                        noise: latent.gatherColumns(nodeColumns[node]))
                values.scatterColumns(nodeColumns[node], from: value)
                tapes[node] = tape
            }
        }
        return (values, Pullback(model: self, tapes: tapes))
    }

    /// The reverse pass of one forward propagation (see `propagateWithPullback`).
    public struct Pullback {
        let model: StructuralCausalModel
        let tapes: [(any MechanismTape)?]

        /// Jᵀ c for every row, c with one row per propagated row.
        public func callAsFunction(_ cotangent: Matrix) -> Matrix {
            var gradient = cotangent
            for node in model.graph.topologicalOrder.reversed() {
                guard let tape = tapes[node] else { continue }
                let (parents, noise) = tape.pullback(gradient.gatherColumns(model.nodeColumns[node]))
                gradient.scatterColumns(model.nodeColumns[node], from: noise)
                gradient.accumulateColumns(model.parentColumns[node], from: parents)
            }
            return gradient
        }
    }

    /// The causal fair distance d(a_r, b_r) of each pair of rows: the L2 norm of
    /// φ(a) − φ(b) on the perturbable columns, or +∞ when the two differ on an
    /// immutable non-sensitive latent coordinate or on the level of a discrete root in
    /// Gumbel-max mode (relative tolerance 1e-9), or when a
    /// Gumbel-max node's level in b has zero posterior probability given a
    /// (`discreteSwitchesArePossible`).
    /// A pseudometric: d(v, twin) = 0 for every twin of v. Throws when φ itself
    /// overflows (inputs too large for the mechanisms); differences beyond ±1e150 or
    /// below 1e-150 are summed rescaled, so the norm neither overflows nor underflows.
    public func metric(_ a: Matrix, _ b: Matrix) throws -> [Double] {
        guard a.rows == b.rows, a.cols == b.cols else {
            throw CausalFairError.invalidArgument("a is \(a.rows) x \(a.cols) but b is \(b.rows) x \(b.cols)")
        }
        let za = try phi(a)
        let zb = try phi(b)
        guard za.isFinite, zb.isFinite else {
            throw CausalFairError.invalidArgument(
                "latent values: a value overflows (beyond ±1.8e308); the inputs are too large for the SCM's mechanisms")
        }
        // Immutable coordinates, and the levels of discrete roots in Gumbel-max mode (no
        // ball moves them): a and b must agree there.
        let immutableColumns = nodes.indices.filter { node in
            let spec = nodes[node]
            return !spec.isSensitive && (spec.isImmutable || (spec.holdsHardCodes && !spec.usesGumbelMax))
        }.flatMap { nodeColumns[$0] }
        let switchesPossible = discreteSwitchesArePossible(a, b)
        return (0..<a.rows).map { r in
            guard switchesPossible[r] else { return .infinity }
            for c in immutableColumns {
                let x = za[r, c], y = zb[r, c]
                if abs(x - y) > 1e-9 * (1 + max(abs(x), abs(y))) { return .infinity }
            }
            var largest = 0.0
            for c in 0..<columnCount where perturbable[c] { largest = max(largest, abs(za[r, c] - zb[r, c])) }
            let scale = largest > 1e150 || largest < 1e-150 ? largest : 1
            guard scale > 0, scale.isFinite else { return largest }  // 0, or a difference beyond the largest double
            var sum = 0.0
            for c in 0..<columnCount where perturbable[c] {
                let d = (za[r, c] - zb[r, c]) / scale
                sum += d * d
            }
            return scale * sum.squareRoot()
        }
    }
}
