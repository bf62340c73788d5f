/// Abduction and forward propagation: the two passes every other operation uses.
extension StructuralCausalModel {
    /// The latent noise of each row (`abduct(_:streams:)`); a mechanism that samples
    /// its noise takes the single draw of seed 0.
    public func abduct(_ data: Matrix) throws -> Matrix {
        try abduct(data, streams: PosteriorStreams(seed: 0))
    }

    /// The latent noise of each row: each mechanism's abduction (`Mechanism.abduct`;
    /// additive: U_i = V_i − f_i(Pa(i)), post-nonlinear: outer⁻¹(V_i) − f_i(Pa(i))), and
    /// U_i = V_i for roots. A mechanism that samples its noise draws it from `streams`
    /// (one stream per node, row and draw); deterministic ones ignore them.
    func abduct(_ data: Matrix, streams: PosteriorStreams) throws -> Matrix {
        try abduct(data, drawCount: 1, streams: streams)
    }

    /// `drawCount` abductions of each row in one pass: ((rows * drawCount) x columns),
    /// row r * drawCount + d the abduction from `streams`' draw d of row r
    /// (`PosteriorStreams.inline`). A deterministic mechanism abducts the rows once and
    /// repeats them; a sampling one draws every (row, draw) from its own stream, so the
    /// result is, bit for bit, the `drawCount` separate abductions interleaved.
    func abduct(_ data: Matrix, drawCount: Int, streams: PosteriorStreams) throws -> Matrix {
        try checkFitted()
        try checkData(data)
        let repeatedRows = (0..<(try checkedProduct(data.rows, drawCount, what: "posterior draws"))).map { $0 / drawCount }
        let repeated = drawCount == 1 ? data : data.gatherRows(repeatedRows)
        let inline = drawCount == 1 ? streams : streams.inline(drawCount: drawCount)
        var latent = repeated
        for node in graph.topologicalOrder {
            guard let mechanism = mechanisms[node] else { continue }
            let noise: Matrix
            if nodes[node].usesGumbelMax {
                noise = try mechanism.abduct(parents: repeated.gatherColumns(parentColumns[node]),
                                             value: repeated.gatherColumns(nodeColumns[node]),
                                             streams: inline.forNode(node))
            } else {
                let once = try mechanism.abduct(parents: data.gatherColumns(parentColumns[node]),
                                                value: data.gatherColumns(nodeColumns[node]),
                                                streams: streams.forNode(node))
                noise = drawCount == 1 ? once : once.gatherRows(repeatedRows)
            }
            latent.scatterColumns(nodeColumns[node], from: noise)
        }
        return latent
    }

    /// Runs the mechanisms forward from latent noise `latent` (rows x columns). Nodes
    /// in `fixed` are intervened on: their columns take the given values (one row per
    /// row, or a single row for all) and ignore their mechanism and noise.
    public func propagate(_ latent: Matrix, fixed: [Int: Matrix] = [:]) throws -> Matrix {
        try checkFitted()
        guard latent.cols == columnCount else {
            throw CausalFairError.invalidArgument("latent has \(latent.cols) columns, the model has \(columnCount)")
        }
        for (node, values) in fixed {
            guard node >= 0, node < nodes.count, values.cols == nodes[node].kind.width,
                  values.rows == 1 || values.rows == latent.rows else {
                throw CausalFairError.invalidArgument("fixed values for node \(node) have the wrong shape")
            }
        }
        var values = latent
        for node in graph.topologicalOrder {
            if let value = fixed[node] {
                values.scatterColumns(nodeColumns[node], from: value)
            } else if let mechanism = mechanisms[node] {
                let value = mechanism.value(parents: values.gatherColumns(parentColumns[node]),
                                            noise: latent.gatherColumns(nodeColumns[node]))
                values.scatterColumns(nodeColumns[node], from: value)
            }
        }
        return values
    }

    /// Checks interventions: known nodes, each given once, values of the node's width,
    /// one row or `rows` rows, finite.
    public func checkInterventions(_ interventions: [(node: Int, values: Matrix)], rows: Int) throws -> [Int: Matrix] {
        var fixed: [Int: Matrix] = [:]
        for (node, values) in interventions {
            guard node >= 0, node < nodes.count else {
                throw CausalFairError.unknownNode("intervention on node \(node), but there are \(nodes.count) nodes")
            }
            guard fixed[node] == nil else {
                throw CausalFairError.invalidArgument("node \(node) is intervened on twice")
            }
            guard values.cols == nodes[node].kind.width, values.rows == 1 || values.rows == rows else {
                throw CausalFairError.invalidArgument(
                    "intervention on node \(node) needs 1 or \(rows) rows of \(nodes[node].kind.width) values")
            }
            guard values.isFinite else {
                throw CausalFairError.invalidArgument("intervention on node \(node) contains NaN or infinity")
            }
            fixed[node] = values
        }
        return fixed
    }

    /// Counterfactuals: abduct each row's noise, apply do(node := value) for every
    /// intervention, recompute every descendant.
    public func counterfactual(_ data: Matrix, interventions: [(node: Int, values: Matrix)]) throws -> Matrix {
        let fixed = try checkInterventions(interventions, rows: data.rows)
        return try propagate(abduct(data), fixed: fixed)
    }
}
