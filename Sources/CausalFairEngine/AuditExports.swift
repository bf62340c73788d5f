import CausalFairABI
import CausalFairCore

// The audit function of the C ABI.

@_cdecl("cf_audit")
public func cf_audit(_ modelHandle: UnsafeMutableRawPointer?, _ scmHandle: UnsafeMutableRawPointer?,
                     _ x: UnsafePointer<Double>?, _ rows: Int64, _ cols: Int64,
                     _ options: UnsafePointer<cf_audit_options>?, _ seed: UInt64,
                     _ progress: ProgressCallback?, _ context: UnsafeMutableRawPointer?,
                     _ flags: UnsafeMutablePointer<Int64>?, _ levels: UnsafeMutablePointer<Int64>?,
                     _ witnesses: UnsafeMutablePointer<Double>?, _ witnessLength: Int64,
                     _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let model = try Handles.model(modelHandle).model
        let scm = try scmHandle.map { try Handles.scm($0).model }
        let input = try Buffers.matrix(x, rows: rows, cols: cols, name: "X")
        let expected = try checkedProduct(input.rows, input.cols, what: "witnesses")
        guard witnessLength == Int64(expected) else {
            throw CausalFairError.invalidArgument("witnesses has \(witnessLength) elements, expected \(expected)")
        }
        guard let options = options?.pointee else {
            throw CausalFairError.invalidArgument("options: expected a cf_audit_options, got NULL")
        }
        let method = try auditMethod(options)
        let audit = try UnfairnessAudit(model: model, space: try LatentSpace(scm: scm, columns: input.cols),
                                        logitThreshold: options.logit_threshold)
        let result = try audit.run(input, radius: options.radius, factualOnly: options.factual_only != 0, method: method,
                                   seed: seed, firstRow: Int(clamping: options.first_row),
                                   threads: Int(clamping: options.n_threads)) { done, total in
            guard let progress else { return true }
            return progress(context, 0, 1, Int64(done), Int64(total), .nan, .nan) == 0
        }
        try Buffers.write(result.flags.map { $0 ? 1 : 0 }, to: flags, length: Int64(input.rows), name: "flags")
        try Buffers.write(result.witnessLevels.map { Int64($0) }, to: levels, length: Int64(input.rows), name: "levels")
        try Buffers.write(result.witnesses.storage, to: witnesses, length: witnessLength, name: "witnesses")
    }
}

/// The estimator `options` names, its settings checked against `EngineLimits`.
private func auditMethod(_ options: cf_audit_options) throws -> AuditMethod {
    func count(_ value: Int64, _ name: String, _ range: ClosedRange<Int>) throws -> Int {
        guard value >= Int64(range.lowerBound), value <= Int64(range.upperBound) else {
            throw CausalFairError.invalidArgument(
                "\(name): expected an int in [\(range.lowerBound), \(range.upperBound)], got \(value)")
        }
        return Int(value)
    }
    switch Int(options.method) {
    case CF_AUDIT_SAMPLE:
        return .sample(samples: try count(options.n_samples, "n_samples", 1...EngineLimits.auditSamples))
    case CF_AUDIT_ATTACK:
        return .attack(steps: try count(options.steps, "steps", 0...EngineLimits.auditSteps),
                       restarts: try count(options.restarts, "restarts", 1...EngineLimits.auditRestarts),
                       stepSize: options.step_size)
    case CF_AUDIT_EXACT:
        return .exact
    default:
        throw CausalFairError.invalidArgument(
            "method: expected a code in [0, \(CF_AUDIT_COUNT - 1)] (CF_AUDIT_*), got \(options.method)")
    }
}
