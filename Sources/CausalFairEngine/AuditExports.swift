import CausalFairCore

// The audit function of the C ABI.

@_cdecl("cf_audit")
public func cf_audit(_ modelHandle: UnsafeMutableRawPointer?, _ scmHandle: UnsafeMutableRawPointer?,
                     _ x: UnsafePointer<Double>?, _ rows: Int64, _ cols: Int64,
                     _ logitThreshold: Double, _ radius: Double, _ factualOnly: Int32, _ method: Int32,
                     _ samples: Int64, _ steps: Int64, _ restarts: Int64, _ stepSize: Double, _ seed: UInt64,
                     _ firstRow: Int64,
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
        let auditMethod: AuditMethod
        switch method {
        case 0: auditMethod = .sample(samples: Int(clamping: samples))
        case 1: auditMethod = .attack(steps: Int(clamping: steps), restarts: Int(clamping: restarts), stepSize: stepSize)
        case 2: auditMethod = .exact
        default: throw CausalFairError.invalidArgument("unknown audit method \(method)")
        }
        guard samples <= 1_000_000, steps <= 1_000_000, restarts <= 10_000 else {
            throw CausalFairError.invalidArgument("n_samples, steps or restarts too large")
        }
        let audit = try UnfairnessAudit(model: model, space: try LatentSpace(scm: scm, columns: input.cols),
                                        logitThreshold: logitThreshold)
        let result = try audit.run(input, radius: radius, factualOnly: factualOnly != 0, method: auditMethod,
                                   seed: seed, firstRow: Int(clamping: firstRow)) { done, total in
            guard let progress else { return true }
            return progress(context, 0, 1, Int64(done), Int64(total), .nan, .nan) == 0
        }
        try Buffers.write(result.flags.map { $0 ? 1 : 0 }, to: flags, length: Int64(input.rows), name: "flags")
        try Buffers.write(result.witnessLevels.map { Int64($0) }, to: levels, length: Int64(input.rows), name: "levels")
        try Buffers.write(result.witnesses.storage, to: witnesses, length: witnessLength, name: "witnesses")
    }
}
