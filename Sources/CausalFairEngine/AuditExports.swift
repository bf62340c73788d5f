import CausalFairABI
import CausalFairCore

// The audit functions of the C ABI: the audit, and the points its sampling draws.

@_cdecl("cf_audit")
public func cf_audit(_ modelHandle: UnsafeMutableRawPointer?, _ scmHandle: UnsafeMutableRawPointer?,
                     _ x: UnsafePointer<Double>?, _ rows: Int64, _ cols: Int64,
                     _ options: UnsafePointer<cf_audit_options>?, _ seed: UInt64,
                     _ progress: ProgressCallback?, _ context: UnsafeMutableRawPointer?,
                     _ flags: UnsafeMutablePointer<Int64>?, _ flagsLength: Int64,
                     _ levels: UnsafeMutablePointer<Int64>?, _ levelsLength: Int64,
                     _ witnesses: UnsafeMutablePointer<Double>?, _ witnessLength: Int64,
                     _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let model = try Handles.model(modelHandle).model
        let scm = try scmHandle.map { try Handles.scm($0).model }
        let input = try Buffers.matrix(x, rows: rows, cols: cols, name: "X")
        guard let options = options?.pointee else {
            throw CausalFairError.invalidArgument("options: expected a cf_audit_options, got NULL")
        }
        let draws = try StructuralCausalModel.checkedDrawCount(options.n_draws)
        let pairs = try checkedProduct(input.rows, draws, what: "audit (row, draw) pairs")
        let expected = try checkedProduct(pairs, input.cols, what: "witnesses")
        guard flagsLength == Int64(pairs), levelsLength == Int64(pairs) else {
            throw CausalFairError.invalidArgument(
                "flags and levels have \(flagsLength) and \(levelsLength) elements, expected one per (row, draw): \(pairs)")
        }
        guard witnessLength == Int64(expected) else {
            throw CausalFairError.invalidArgument("witnesses has \(witnessLength) elements, expected \(expected)")
        }
        let method = try auditMethod(options)
        let audit = try UnfairnessAudit(model: model, space: try LatentSpace(scm: scm, columns: input.cols),
                                        logitThreshold: options.logit_threshold)
        let result = try audit.run(input, radius: options.radius, factualOnly: options.factual_only != 0, method: method,
                                   seed: seed, firstRow: Int(clamping: options.first_row), drawCount: draws,
                                   posteriorSeed: UInt64(bitPattern: options.posterior_seed),
                                   threads: Int(clamping: options.n_threads)) { done, total in
            guard let progress else { return true }
            return progress(context, 0, 1, Int64(done), Int64(total), .nan, .nan) == 0
        }
        try Buffers.write(result.flags.map { $0 ? 1 : 0 }, to: flags, length: flagsLength, name: "flags")
        try Buffers.write(result.witnessLevels.map { Int64($0) }, to: levels, length: levelsLength, name: "levels")
        try Buffers.write(result.witnesses.storage, to: witnesses, length: witnessLength, name: "witnesses")
    }
}

@_cdecl("cf_audit_ball")
public func cf_audit_ball(_ scmHandle: UnsafeMutableRawPointer?, _ x: UnsafePointer<Double>?, _ rows: Int64,
                          _ cols: Int64, _ options: UnsafePointer<cf_audit_options>?, _ seed: UInt64,
                          _ firstSample: Int64, _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64,
                          _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        let scm = try Handles.scm(scmHandle).model
        let input = try Buffers.matrix(x, rows: rows, cols: cols, name: "X")
        guard let options = options?.pointee else {
            throw CausalFairError.invalidArgument("options: expected a cf_audit_options, got NULL")
        }
        guard options.first_row >= 0 else {
            throw CausalFairError.invalidArgument("first_row must be >= 0, got \(options.first_row)")
        }
        let limit = Int64(EngineLimits.auditSamples)
        guard options.n_samples >= 1, options.n_samples <= limit, firstSample >= 0,
              firstSample <= limit - options.n_samples else {
            throw CausalFairError.invalidArgument(
                "samples \(firstSample) ..< \(firstSample) + \(options.n_samples): "
                + "expected n_samples >= 1 and first_sample >= 0 with their sum <= \(limit)")
        }
        let draws = try StructuralCausalModel.checkedDrawCount(options.n_draws)
        let factualOnly = options.factual_only != 0
        let levels = factualOnly ? 1 : scm.twinLevelCount
        let expected = try checkedProduct(input.rows, draws, levels, Int(options.n_samples), input.cols,
                                          what: "audit ball points")
        guard outLength == Int64(expected) else {
            throw CausalFairError.invalidArgument("out has \(outLength) elements, expected \(expected)")
        }
        let space = try LatentSpace(scm: scm, columns: input.cols)
        let points = try space.auditBallPoints(
            input, radius: options.radius, factualOnly: factualOnly,
            samples: Int(firstSample)..<Int(firstSample + options.n_samples), drawCount: draws,
            posteriorSeed: UInt64(bitPattern: options.posterior_seed), seed: seed, firstRow: Int(options.first_row))
        guard points.isFinite else {
            throw CausalFairError.invalidArgument(
                "audit ball: a value overflows (beyond ±1.8e308); the inputs are too large for the SCM's mechanisms")
        }
        try Buffers.write(points.storage, to: out, length: outLength, name: "out")
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
