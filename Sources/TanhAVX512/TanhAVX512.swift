// The tanh kernel compiled for AVX-512F (flags in Package.swift); empty off x86-64.
// Call it only when the CPU and the OS support AVX-512F (VectorMath checks).
#if arch(x86_64)
import TanhKernel

/// `tanhKernel` compiled for AVX-512F. Never inlined: a copy inlined into a caller
/// would lose this module's flags.
@inline(never)
public func tanhAVX512(_ base: UnsafeMutablePointer<Double>, _ count: Int) {
    tanhKernel(base, count)
}
#endif
