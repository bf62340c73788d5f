import CausalFairABI
import CausalFairCore

/// The limits the engine enforces, in one place: the core's own constants where the
/// core checks them, and the bounds of the C ABI's argument checks otherwise. The
/// checks of this module read them from here, and `cf_get_limits` reports them to
/// callers, which validate against the reported values instead of copies.
enum EngineLimits {
    /// Audit `n_samples` per twin ball.
    static let auditSamples = 1_000_000
    /// Audit attack steps.
    static let auditSteps = 1_000_000
    /// Audit attack restarts.
    static let auditRestarts = 10_000
    /// Width of any layer of a model.
    static let layerWidth = 1_000_000
    /// Nodes of an SCM.
    static let nodes = 100_000
    /// Levels of a categorical node.
    static let nodeWidth = 100_000
    /// Hidden layers of an MLP mechanism.
    static let mechanismHiddenLayers = 64
    /// Width of a hidden layer of an MLP mechanism.
    static let mechanismHiddenWidth = StructuralCausalModel.maximumMechanismHiddenWidth
    /// Operations of an expression program.
    static let programLength = 100_000
    /// The largest exponent of a power operation.
    static let power = Expression.maximumPower

    /// Every limit, as `cf_limits` lays them out.
    static var reported: cf_limits {
        cf_limits(max_elements: Int64(maximumElementCount), max_radius: maximumRadius,
                  max_epochs: Int64(TrainingConfiguration.maximumEpochs),
                  max_training_steps: Int64(TrainingConfiguration.maximumSteps),
                  max_training_samples: Int64(TrainingConfiguration.maximumSamples),
                  max_audit_samples: Int64(auditSamples), max_audit_steps: Int64(auditSteps),
                  max_audit_restarts: Int64(auditRestarts),
                  max_newton_features: Int64(NewtonSolver.maximumFeatures),
                  max_layer_width: Int64(layerWidth), max_nodes: Int64(nodes), max_node_width: Int64(nodeWidth),
                  max_mechanism_hidden_layers: Int64(mechanismHiddenLayers),
                  max_mechanism_hidden_width: Int64(mechanismHiddenWidth),
                  max_mechanism_epochs: Int64(StructuralCausalModel.maximumMechanismEpochs),
                  max_program_length: Int64(programLength), max_power: Int64(power),
                  max_draws: Int64(StructuralCausalModel.maximumDrawCount),
                  max_threads: Int64(ParallelPieces.maximumThreads),
                  audit_sample_block: Int64(UnfairnessAudit.sampleBlock))
    }
}

@_cdecl("cf_get_limits")
public func cf_get_limits(_ out: UnsafeMutablePointer<cf_limits>?, _ size: Int64,
                          _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        guard let out else { throw CausalFairError.invalidArgument("out: expected a cf_limits, got NULL") }
        guard size == Int64(MemoryLayout<cf_limits>.size) else {
            throw CausalFairError.invalidArgument(
                "size: expected sizeof(cf_limits) = \(MemoryLayout<cf_limits>.size), got \(size)")
        }
        out.pointee = EngineLimits.reported
    }
}
