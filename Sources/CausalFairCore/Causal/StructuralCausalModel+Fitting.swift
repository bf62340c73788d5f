/// Fitting the mechanisms from observational data.
extension StructuralCausalModel {
    /// Fits every non-root mechanism on `data` (rows x columns, finite, binary columns
    /// coded 0/1, categorical columns one-hot), stores the abducted noise as the
    /// empirical noise sample and its per-column standard deviations.
    ///
    /// `sampleWeights` (one finite weight ≥ 0 per row, positive sum; nil: every row
    /// weighs 1) weight each mechanism's fit, normalised to mean 1 over the rows with
    /// a positive weight (`RowWeighting`): weighted least squares, the weighted
    /// likelihood of discrete mechanisms, weighted minibatch losses of MLPs. Rows of
    /// weight 0 are dropped before anything else, so they change nothing: the checks,
    /// the fits, the latent sample. The latent sample (the empirical noise that
    /// sampling draws from, and whose standard deviations are `noiseScales`) holds the
    /// noise of the rows with a positive weight, unweighted: it is the state that
    /// export and import carry, without the weights.
    ///
    /// Each node's MLP draws from its own stream of `seed`, so the result does not
    /// depend on the order nodes are fitted in. Throws for a bad encoding, a constant
    /// continuous column, a sensitive node observed at fewer than 2 levels, bad
    /// weights, or a singular least-squares problem.
    ///
    /// With `privacy` (DP-SGD, `DifferentialPrivacy`): every MLP map — an MLP
    /// mechanism's, a discrete node's MLP logits — is fitted by DP-SGD, one run per such
    /// node on the same rows (the accountant composes them); linear mechanisms are
    /// refused. Only those maps' parameters are protected: the stored latent sample (every
    /// row's abducted noise), the noise scales, the level sets and the encoding are
    /// functions of the data released without noise.
    public mutating func fit(_ data: Matrix, sampleWeights: [Double]? = nil, seed: UInt64,
                             privacy: DifferentialPrivacy? = nil) throws {
        if let privacy {
            try privacy.validate()
            guard sampleWeights == nil else {
                throw CausalFairError.invalidArgument(
                    "sample_weight: expected None with privacy (per-example clipping would undo the weights, and "
                    + "rows of weight 0 would change the row count the accountant reads)")
            }
            for (index, node) in nodes.enumerated() {
                guard case .linear = node.mechanism else { continue }
                throw CausalFairError.invalidArgument(
                    "privacy: node \(index) has a linear mechanism, fitted in closed form from sufficient statistics "
                    + "that DP-SGD does not protect; use MLP mechanisms, or fit the SCM without privacy on public data")
            }
        }
        try checkData(data)
        let (data, weights) = try Self.positivelyWeightedRows(data, sampleWeights)
        try checkEncoding(data)
        try checkVariation(data)
        var fitted = [(any Mechanism)?](repeating: nil, count: nodes.count)
        for node in graph.topologicalOrder where !nodes[node].parents.isEmpty {
            let inputs = data.gatherColumns(parentColumns[node])
            let targets = data.gatherColumns(nodeColumns[node])
            var generator = Xoshiro256StarStar(seed: seed, stream: UInt64(node))
            do {
                fitted[node] = try nodes[node].mechanism.fitted(inputs: inputs, targets: targets, weights: weights,
                                                                droppedInputs: droppedDesignColumns(of: node),
                                                                gumbelMax: nodes[node].usesGumbelMax,
                                                                privacy: privacy, generator: &generator)
            } catch let error as CausalFairError {
                throw CausalFairError.computation("fitting node \(node): \(error.message)")
            }
        }
        mechanisms = fitted
        isFitted = true
        latentSample = try abduct(data)
        noiseScales = Self.columnStandardDeviations(latentSample)
    }

    /// The rows of `data` with a positive weight and their weights normalised to mean 1
    /// (`RowWeighting.normalised`, which checks them); without weights, `data` itself.
    private static func positivelyWeightedRows(_ data: Matrix, _ sampleWeights: [Double]?) throws
        -> (rows: Matrix, weights: [Double]?) {
        guard let sampleWeights, try RowWeighting.normalised(sampleWeights, rows: data.rows) != nil else {
            return (data, nil)
        }
        let kept = sampleWeights.indices.filter { sampleWeights[$0] > 0 }
        return (data.gatherRows(kept), try RowWeighting.normalised(kept.map { sampleWeights[$0] }, rows: kept.count))
    }

    /// Positions, within a node's parent columns, of the first one-hot column of each
    /// categorical parent (collinear with the intercept of a linear fit).
    private func droppedDesignColumns(of node: Int) -> Set<Int> {
        var dropped = Set<Int>()
        var position = 0
        for parent in nodes[node].parents {
            if case .categorical = nodes[parent].kind { dropped.insert(position) }
            position += nodes[parent].kind.width
        }
        return dropped
    }

    /// Binary columns must hold 0 or 1; categorical rows must be one-hot.
    func checkEncoding(_ data: Matrix) throws {
        for (index, node) in nodes.enumerated() {
            let columns = nodeColumns[index]
            for r in 0..<data.rows {
                switch node.kind {
                case .continuous:
                    continue
                case .binary:
                    let value = data[r, columns[0]]
                    guard value == 0 || value == 1 else {
                        throw CausalFairError.invalidArgument("row \(r), node \(index): a binary node must be coded 0 or 1, got \(value)")
                    }
                case .categorical:
                    let values = columns.map { data[r, $0] }
                    guard values.allSatisfy({ $0 == 0 || $0 == 1 }), values.reduce(0, +) == 1 else {
                        throw CausalFairError.invalidArgument("row \(r), node \(index): a categorical node must be one-hot")
                    }
                }
            }
        }
    }

    /// Continuous columns must vary; sensitive nodes must show at least two levels.
    private func checkVariation(_ data: Matrix) throws {
        let scales = Self.columnStandardDeviations(data)
        for (index, node) in nodes.enumerated() {
            if node.kind == .continuous, data.rows > 1, scales[nodeColumns[index][0]] == 0 {
                throw CausalFairError.invalidArgument("node \(index) is a constant column")
            }
            if node.isSensitive {
                let observed = nodeColumns[index].count == 1
                    ? Set((0..<data.rows).map { data[$0, nodeColumns[index][0]] }).count
                    : nodeColumns[index].filter { c in (0..<data.rows).contains { data[$0, c] == 1 } }.count
                guard observed >= 2 else {
                    throw CausalFairError.invalidArgument("sensitive node \(index) has only one level in the data")
                }
            }
        }
    }

    /// Population standard deviation of every column.
    static func columnStandardDeviations(_ data: Matrix) -> [Double] {
        guard data.rows > 0 else { return [Double](repeating: 0, count: data.cols) }
        let count = Double(data.rows)
        let means = data.columnSums().map { $0 / count }
        var squares = [Double](repeating: 0, count: data.cols)
        for r in 0..<data.rows {
            for c in 0..<data.cols {
                let d = data[r, c] - means[c]
                squares[c] += d * d
            }
        }
        return squares.map { ($0 / count).squareRoot() }
    }
}
