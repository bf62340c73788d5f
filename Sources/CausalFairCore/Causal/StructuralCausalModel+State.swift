/// Export and import of the fitted state, for serialization.
extension StructuralCausalModel {
    /// All mechanism parameters in node order (each mechanism's own layout).
    public func exportedParameters() throws -> [Double] {
        try checkFitted()
        return mechanisms.flatMap { $0?.parameters ?? [] }
    }

    /// Restores mechanisms from `parameters` (as `exportedParameters` lays them out)
    /// and the latent sample; the model becomes fitted. Bit-exact round trip.
    public mutating func importState(parameters: [Double], latentSample sample: Matrix) throws {
        guard parameters.count == parameterCount else {
            throw CausalFairError.invalidArgument("expected \(parameterCount) parameters, got \(parameters.count)")
        }
        guard parameters.allSatisfy({ $0.isFinite }), sample.isFinite else {
            throw CausalFairError.invalidArgument("parameters and latent sample must be finite")
        }
        guard sample.cols == columnCount else {
            throw CausalFairError.invalidArgument("latent sample has \(sample.cols) columns, the model has \(columnCount)")
        }
        var restored = [(any Mechanism)?](repeating: nil, count: nodes.count)
        var offset = 0
        for (index, node) in nodes.enumerated() {
            let inputs = parentColumns[index].count
            let count = try node.mechanism.parameterCount(inputs: inputs, outputs: node.kind.width,
                                                          gumbelMax: node.usesGumbelMax)
            restored[index] = try node.mechanism.mechanism(inputs: inputs, outputs: node.kind.width,
                                                           gumbelMax: node.usesGumbelMax,
                                                           parameters: parameters[offset..<(offset + count)])
            offset += count
        }
        mechanisms = restored
        latentSample = sample
        noiseScales = Self.columnStandardDeviations(sample)
        isFitted = true
    }
}
