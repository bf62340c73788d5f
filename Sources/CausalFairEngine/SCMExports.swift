import CausalFairABI
import CausalFairCore

// The SCM functions of the C ABI. Each decodes its arguments, calls the core, and
// writes results into the caller's buffers after checking their lengths.

public typealias ErrorBuffer = UnsafeMutablePointer<CChar>?

@_cdecl("cf_scm_new")
public func cf_scm_new(_ nodes: UnsafePointer<cf_node_spec>?, _ nodeCount: Int64,
                       _ outHandle: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                       _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        guard let outHandle else { throw CausalFairError.invalidArgument("out_handle is NULL") }
        let model = try StructuralCausalModel(nodes: try SpecificationDecoder(nodes, count: nodeCount).decode())
        outHandle.pointee = Handles.retain(SCMBox(model))
    }
}

@_cdecl("cf_scm_free")
public func cf_scm_free(_ handle: UnsafeMutableRawPointer?) {
    guard Handles.object(handle) is SCMBox else { return }
    Handles.release(handle)
}

@_cdecl("cf_scm_info")
public func cf_scm_info(_ handle: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<Int64>?, _ outLength: Int64,
                        _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let model = try Handles.scm(handle).model
        let info = [model.columnCount, model.nodes.count, model.twinLevelCount, model.sensitiveNodes.count,
                    model.perturbableCount, model.parameterCount, model.latentSample.rows, model.isFitted ? 1 : 0]
        try Buffers.write(info.map { Int64($0) }, to: out, length: outLength)
    }
}

@_cdecl("cf_scm_fit")
public func cf_scm_fit(_ handle: UnsafeMutableRawPointer?, _ data: UnsafePointer<Double>?, _ rows: Int64, _ cols: Int64,
                       _ sampleWeight: UnsafePointer<Double>?, _ weightCount: Int64,
                       _ seed: UInt64, _ dp: Int32, _ noiseMultiplier: Double, _ maxGradNorm: Double,
                       _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let box = try Handles.scm(handle)
        var model = box.model
        let weights = sampleWeight == nil && weightCount == 0
            ? nil : try Buffers.array(sampleWeight, count: weightCount, name: "sample_weight")
        let privacy = dp != 0 ? DifferentialPrivacy(noiseMultiplier: noiseMultiplier, maxGradNorm: maxGradNorm) : nil
        try model.fit(try Buffers.matrix(data, rows: rows, cols: cols, name: "data"), sampleWeights: weights,
                      seed: seed, privacy: privacy)
        box.model = model
    }
}

/// `values` when every one is finite. The inputs were finite, so a non-finite result
/// is an overflow: the inputs are too large for the mechanisms.
private func finite(_ values: [Double], _ what: String) throws -> [Double] {
    guard values.allSatisfy(\.isFinite) else {
        throw CausalFairError.invalidArgument(
            "\(what): a value overflows (beyond ±1.8e308); the inputs are too large for the SCM's mechanisms")
    }
    return values
}

/// Shared body of the functions mapping one data matrix to one output matrix.
private func transform(_ handle: UnsafeMutableRawPointer?, _ data: UnsafePointer<Double>?, _ rows: Int64,
                       _ cols: Int64, _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                       _ err: ErrorBuffer, _ errLength: Int64,
                       _ body: (StructuralCausalModel, Matrix) throws -> [Double]) -> Int32 {
    guarded(err, errLength) {
        let model = try Handles.scm(handle).model
        let input = try Buffers.matrix(data, rows: rows, cols: cols, name: "data")
        try Buffers.write(try body(model, input), to: out, length: outLength)
    }
}

@_cdecl("cf_scm_abduct")
public func cf_scm_abduct(_ handle: UnsafeMutableRawPointer?, _ data: UnsafePointer<Double>?, _ rows: Int64,
                          _ cols: Int64, _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                          _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    transform(handle, data, rows, cols, out, outLength, err, errLength) { try finite($0.abduct($1).storage, "abduction") }
}

@_cdecl("cf_scm_counterfactual")
public func cf_scm_counterfactual(_ handle: UnsafeMutableRawPointer?, _ data: UnsafePointer<Double>?, _ rows: Int64,
                                  _ cols: Int64, _ doNodes: UnsafePointer<Int64>?, _ doCount: Int64,
                                  _ doValues: UnsafePointer<Double>?, _ doRows: Int64, _ doCols: Int64,
                                  _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                                  _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    transform(handle, data, rows, cols, out, outLength, err, errLength) { model, input in
        let interventions = try Buffers.interventions(model: model, nodes: doNodes, count: doCount,
                                                      values: doValues, rows: doRows, cols: doCols)
        return try finite(model.counterfactual(input, interventions: interventions).storage, "counterfactual")
    }
}

@_cdecl("cf_scm_abduct_at")
public func cf_scm_abduct_at(_ handle: UnsafeMutableRawPointer?, _ data: UnsafePointer<Double>?, _ rows: Int64,
                             _ cols: Int64, _ rowLabels: UnsafePointer<Int64>?, _ labelCount: Int64,
                             _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                             _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    transform(handle, data, rows, cols, out, outLength, err, errLength) { model, input in
        let labels = try Buffers.array(rowLabels, count: labelCount, name: "row_labels").map { Int($0) }
        return try finite(model.abduct(input, rowLabels: labels).storage, "abduction")
    }
}

@_cdecl("cf_scm_intervention_gradient")
public func cf_scm_intervention_gradient(_ handle: UnsafeMutableRawPointer?, _ classifier: UnsafeMutableRawPointer?,
                                         _ latent: UnsafePointer<Double>?, _ rows: Int64, _ cols: Int64,
                                         _ doNodes: UnsafePointer<Int64>?, _ doCount: Int64,
                                         _ doValues: UnsafePointer<Double>?, _ doRows: Int64, _ doCols: Int64,
                                         _ threads: Int64,
                                         _ counterfactuals: UnsafeMutablePointer<Double>?, _ counterfactualsLength: Int64,
                                         _ logits: UnsafeMutablePointer<Double>?, _ logitsLength: Int64,
                                         _ gradient: UnsafeMutablePointer<Double>?, _ gradientLength: Int64,
                                         _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let model = try Handles.scm(handle).model
        let network = try Handles.model(classifier).model
        let noise = try Buffers.matrix(latent, rows: rows, cols: cols, name: "latent")
        let cells = try checkedProduct(noise.rows, noise.cols, what: "counterfactuals")
        try Buffers.checkLength(counterfactualsLength, cells, name: "counterfactuals")
        try Buffers.checkLength(logitsLength, noise.rows, name: "logits")
        try Buffers.checkLength(gradientLength, cells, name: "gradient")
        let interventions = try Buffers.interventions(model: model, nodes: doNodes, count: doCount,
                                                      values: doValues, rows: doRows, cols: doCols)
        let step = try model.interventionGradient(latent: noise, interventions: interventions, classifier: network,
                                                  threads: try ParallelPieces.threads(Int(clamping: threads)))
        try Buffers.write(try finite(step.counterfactuals.storage, "counterfactual"), to: counterfactuals,
                          length: counterfactualsLength, name: "counterfactuals")
        try Buffers.write(try finite(step.logits, "logits"), to: logits, length: logitsLength, name: "logits")
        try Buffers.write(try finite(step.gradient.storage, "gradient"), to: gradient, length: gradientLength,
                          name: "gradient")
    }
}

@_cdecl("cf_scm_sample")
public func cf_scm_sample(_ handle: UnsafeMutableRawPointer?, _ count: Int64,
                          _ doNodes: UnsafePointer<Int64>?, _ doCount: Int64,
                          _ doValues: UnsafePointer<Double>?, _ doRows: Int64, _ doCols: Int64,
                          _ seed: UInt64, _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                          _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let model = try Handles.scm(handle).model
        guard count > 0, count <= Int64(maximumElementCount) else {
            throw CausalFairError.invalidArgument("n: expected an int in [1, \(maximumElementCount)], got \(count)")
        }
        let interventions = try Buffers.interventions(model: model, nodes: doNodes, count: doCount,
                                                      values: doValues, rows: doRows, cols: doCols)
        let expected = try checkedProduct(Int(count), model.columnCount, what: "sample")
        guard outLength == Int64(expected) else {
            throw CausalFairError.invalidArgument("out has \(outLength) elements, expected \(expected)")
        }
        let samples = try model.sample(count: Int(count), interventions: interventions, seed: seed)
        try Buffers.write(try finite(samples.storage, "sample"), to: out, length: outLength)
    }
}

@_cdecl("cf_scm_twin_levels")
public func cf_scm_twin_levels(_ handle: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<Int64>?,
                               _ outLength: Int64, _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let model = try Handles.scm(handle).model
        let levels = (0..<model.twinLevelCount).flatMap { model.sensitiveLevels(ofTwinLevel: $0) }
        try Buffers.write(levels.map { Int64($0) }, to: out, length: outLength)
    }
}

@_cdecl("cf_scm_twins")
public func cf_scm_twins(_ handle: UnsafeMutableRawPointer?, _ data: UnsafePointer<Double>?, _ rows: Int64,
                         _ cols: Int64, _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                         _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    transform(handle, data, rows, cols, out, outLength, err, errLength) { try finite($0.twins($1).storage, "twins") }
}

@_cdecl("cf_scm_counterfactual_draws")
public func cf_scm_counterfactual_draws(_ handle: UnsafeMutableRawPointer?, _ data: UnsafePointer<Double>?,
                                        _ rows: Int64, _ cols: Int64, _ doNodes: UnsafePointer<Int64>?,
                                        _ doCount: Int64, _ doValues: UnsafePointer<Double>?, _ doRows: Int64,
                                        _ doCols: Int64, _ drawCount: Int64, _ seed: UInt64,
                                        _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                                        _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    transform(handle, data, rows, cols, out, outLength, err, errLength) { model, input in
        let interventions = try Buffers.interventions(model: model, nodes: doNodes, count: doCount,
                                                      values: doValues, rows: doRows, cols: doCols)
        return try finite(model.counterfactual(input, interventions: interventions,
                                               drawCount: try StructuralCausalModel.checkedDrawCount(drawCount), seed: seed).storage,
                          "counterfactual")
    }
}

@_cdecl("cf_scm_twins_draws")
public func cf_scm_twins_draws(_ handle: UnsafeMutableRawPointer?, _ data: UnsafePointer<Double>?, _ rows: Int64,
                               _ cols: Int64, _ drawCount: Int64, _ seed: UInt64,
                               _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                               _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    transform(handle, data, rows, cols, out, outLength, err, errLength) { model, input in
        try finite(model.twins(input, drawCount: try StructuralCausalModel.checkedDrawCount(drawCount), seed: seed).storage, "twins")
    }
}


@_cdecl("cf_scm_factual_levels")
public func cf_scm_factual_levels(_ handle: UnsafeMutableRawPointer?, _ data: UnsafePointer<Double>?, _ rows: Int64,
                                  _ cols: Int64, _ out: UnsafeMutablePointer<Int64>?, _ outLength: Int64,
                                  _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let model = try Handles.scm(handle).model
        let levels = try model.factualLevels(try Buffers.matrix(data, rows: rows, cols: cols, name: "data"))
        try Buffers.write(levels.map { Int64($0) }, to: out, length: outLength)
    }
}

@_cdecl("cf_scm_phi")
public func cf_scm_phi(_ handle: UnsafeMutableRawPointer?, _ data: UnsafePointer<Double>?, _ rows: Int64,
                       _ cols: Int64, _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                       _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    transform(handle, data, rows, cols, out, outLength, err, errLength) { try finite($0.phi($1).storage, "phi") }
}

@_cdecl("cf_scm_phi_inverse")
public func cf_scm_phi_inverse(_ handle: UnsafeMutableRawPointer?, _ z: UnsafePointer<Double>?, _ rows: Int64,
                               _ cols: Int64, _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                               _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    transform(handle, z, rows, cols, out, outLength, err, errLength) { try finite($0.phiInverse($1).storage, "phi inverse") }
}

@_cdecl("cf_scm_phi_inverse_vjp")
public func cf_scm_phi_inverse_vjp(_ handle: UnsafeMutableRawPointer?, _ z: UnsafePointer<Double>?,
                                   _ cotangent: UnsafePointer<Double>?, _ rows: Int64, _ cols: Int64,
                                   _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                                   _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    transform(handle, z, rows, cols, out, outLength, err, errLength) { model, input in
        let direction = try Buffers.matrix(cotangent, rows: rows, cols: cols, name: "cotangent")
        return try finite(model.phiInverseVJP(input, cotangent: direction).storage, "pullback")
    }
}

@_cdecl("cf_scm_metric")
public func cf_scm_metric(_ handle: UnsafeMutableRawPointer?, _ a: UnsafePointer<Double>?,
                          _ b: UnsafePointer<Double>?, _ rows: Int64, _ cols: Int64,
                          _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                          _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    transform(handle, a, rows, cols, out, outLength, err, errLength) { model, first in
        try model.metric(first, try Buffers.matrix(b, rows: rows, cols: cols, name: "b"))
    }
}

@_cdecl("cf_scm_perturbable")
public func cf_scm_perturbable(_ handle: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<Int64>?,
                               _ outLength: Int64, _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let model = try Handles.scm(handle).model
        try Buffers.write(model.perturbable.map { $0 ? 1 : 0 }, to: out, length: outLength)
    }
}

@_cdecl("cf_scm_ball")
public func cf_scm_ball(_ handle: UnsafeMutableRawPointer?, _ data: UnsafePointer<Double>?, _ rows: Int64,
                        _ cols: Int64, _ radius: Double, _ samples: Int64, _ factualOnly: Int32, _ seed: UInt64,
                        _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                        _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    transform(handle, data, rows, cols, out, outLength, err, errLength) { model, input in
        guard samples > 0, samples <= Int64(maximumElementCount) else {
            throw CausalFairError.invalidArgument("n_samples: expected an int in [1, \(maximumElementCount)], got \(samples)")
        }
        let levels = factualOnly != 0 ? 1 : model.twinLevelCount
        let expected = try checkedProduct(input.rows, levels, Int(samples), model.columnCount, what: "perturbation ball")
        guard outLength == Int64(expected) else {
            throw CausalFairError.invalidArgument("out has \(outLength) elements, expected \(expected)")
        }
        return try finite(model.perturbationBall(input, radius: radius, samples: Int(samples),
                                                 factualOnly: factualOnly != 0, seed: seed).storage,
                          "perturbation ball")
    }
}

@_cdecl("cf_scm_export")
public func cf_scm_export(_ handle: UnsafeMutableRawPointer?, _ parameters: UnsafeMutablePointer<Double>?,
                          _ parameterCount: Int64, _ latent: UnsafeMutablePointer<Double>?, _ latentRows: Int64,
                          _ cols: Int64, _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let model = try Handles.scm(handle).model
        try Buffers.write(try model.exportedParameters(), to: parameters, length: parameterCount, name: "parameters")
        guard latentRows == Int64(model.latentSample.rows), cols == Int64(model.columnCount) else {
            throw CausalFairError.invalidArgument(
                "latent must be \(model.latentSample.rows) x \(model.columnCount), got \(latentRows) x \(cols)")
        }
        try Buffers.write(model.latentSample.storage, to: latent, length: latentRows * cols, name: "latent")
    }
}

@_cdecl("cf_scm_import")
public func cf_scm_import(_ handle: UnsafeMutableRawPointer?, _ parameters: UnsafePointer<Double>?,
                          _ parameterCount: Int64, _ latent: UnsafePointer<Double>?, _ latentRows: Int64,
                          _ cols: Int64, _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let box = try Handles.scm(handle)
        var model = box.model
        try model.importState(parameters: try Buffers.array(parameters, count: parameterCount, name: "parameters"),
                              latentSample: try Buffers.matrix(latent, rows: latentRows, cols: cols, name: "latent"))
        box.model = model
    }
}
