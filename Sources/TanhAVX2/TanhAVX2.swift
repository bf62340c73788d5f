// The tanh kernel compiled for AVX2 (flags in Package.swift); empty off x86-64.
// Call it only when the CPU and the OS support AVX2 (VectorMath checks).
#if arch(x86_64)
import TanhKernel

/// `tanhKernel` compiled for AVX2. Never inlined: a copy inlined into a caller
/// would lose this module's flags.
@inline(never)
public func tanhAVX2(_ base: UnsafeMutablePointer<Double>, _ count: Int) {
    tanhKernel(base, count)
}
#endif
