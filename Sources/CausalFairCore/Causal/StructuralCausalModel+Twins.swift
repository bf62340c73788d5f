/// Counterfactual twins: every individual under every combination of the sensitive
/// nodes' levels.
extension StructuralCausalModel {
    /// The level index of every sensitive node for twin level `level` (mixed radix,
    /// sensitive nodes in node order, the last varying fastest).
    public func sensitiveLevels(ofTwinLevel level: Int) -> [Int] {
        var remainder = level
        var digits = [Int](repeating: 0, count: sensitiveNodes.count)
        for position in stride(from: sensitiveNodes.count - 1, through: 0, by: -1) {
            let radix = nodes[sensitiveNodes[position]].kind.levelCount ?? 1
            digits[position] = remainder % radix
            remainder /= radix
        }
        return digits
    }

    /// The index of each row's own (factual) twin level. Throws when a sensitive
    /// node's value is not one of its levels (binary: 0 or 1; categorical: one-hot).
    public func factualLevels(_ data: Matrix) throws -> [Int] {
        try checkData(data)
        return try (0..<data.rows).map { r in
            var level = 0
            for node in sensitiveNodes {
                let count = nodes[node].kind.levelCount ?? 1
                let values = nodeColumns[node].map { data[r, $0] }
                guard let digit = (0..<count).first(where: { nodes[node].kind.code(ofLevel: $0) == values }) else {
                    throw CausalFairError.invalidArgument(
                        "row \(r): sensitive node \(node) has value \(values), which is not one of its levels")
                }
                level = level * count + digit
            }
            return level
        }
    }

    /// Interventions setting every sensitive node to its value at the given twin level
    /// of each row (`levels[r]` for row r).
    /// The codes are computed once per twin level, not per row.
    func sensitiveInterventions(levels: [Int]) -> [Int: Matrix] {
        let levelValues = (0..<twinLevelCount).map { sensitiveLevels(ofTwinLevel: $0) }
        var fixed: [Int: Matrix] = [:]
        for (position, node) in sensitiveNodes.enumerated() {
            let codes = levelValues.map { nodes[node].kind.code(ofLevel: $0[position]) }
            let width = nodes[node].kind.width
            var values = Matrix(rows: levels.count, cols: width)
            values.storage.withUnsafeMutableBufferPointer { out in
                for (r, level) in levels.enumerated() {
                    for (j, value) in codes[level].enumerated() { out[r * width + j] = value }
                }
            }
            fixed[node] = values
        }
        return fixed
    }

    /// Twins of every row: ((rows * twinLevelCount) x columns), row r's twins
    /// contiguous in twin-level order. The factual level reproduces the row itself;
    /// every sensitive value must be one of its node's levels.
    public func twins(_ data: Matrix) throws -> Matrix {
        _ = try factualLevels(data)
        let latent = try abduct(data)
        let levelCount = twinLevelCount
        _ = try checkedProduct(data.rows, levelCount, columnCount, what: "twins")
        let repeated = latent.gatherRows((0..<(data.rows * levelCount)).map { $0 / levelCount })
        let levels = (0..<(data.rows * levelCount)).map { $0 % levelCount }
        return try propagate(repeated, fixed: sensitiveInterventions(levels: levels))
    }
}
