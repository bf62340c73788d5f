import CausalFairCore

// The engine's matrix product, exported so callers (and the benchmarks) can compare
// the engine's BLAS with their own on the same buffers.

@_cdecl("cf_matrix_multiply")
public func cf_matrix_multiply(_ a: UnsafePointer<Double>?, _ rows: Int64, _ inner: Int64,
                               _ b: UnsafePointer<Double>?, _ cols: Int64,
                               _ out: UnsafeMutablePointer<Double>?, _ outLength: Int64, _ threads: Int64,
                               _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        guard rows >= 0, inner >= 0, cols >= 0 else { throw CausalFairError.invalidArgument("sizes must be >= 0") }
        let threads = try ParallelPieces.threads(Int(clamping: threads))
        _ = try checkedProduct(Int(rows), Int(inner), what: "a")
        _ = try checkedProduct(Int(inner), Int(cols), what: "b")
        let count = try checkedProduct(Int(rows), Int(cols), what: "out")
        guard outLength == Int64(count) else {
            throw CausalFairError.invalidArgument("out has \(outLength) elements, expected \(count)")
        }
        guard count > 0 else { return }
        guard let out else { throw CausalFairError.invalidArgument("out is NULL") }
        guard inner > 0 else {
            out.update(repeating: 0, count: count)
            return
        }
        guard let a, let b else { throw CausalFairError.invalidArgument("a or b is NULL") }
        // The pieces read all of a and b while others write rows of out: shared memory
        // would make the result depend on the thread count.
        let outBytes = Int(bitPattern: out)..<(Int(bitPattern: out) + count * MemoryLayout<Double>.stride)
        for (name, input, length) in [("a", Int(bitPattern: a), Int(rows * inner)), ("b", Int(bitPattern: b), Int(inner * cols))]
        where outBytes.overlaps(input..<(input + length * MemoryLayout<Double>.stride)) {
            throw CausalFairError.invalidArgument("out shares memory with \(name); pass a separate output array")
        }
        try BLAS.parallelProduct(m: Int(rows), n: Int(cols), k: Int(inner), a: a, b: b, c: out, threads: threads)
    }
}
