// The vector kernels compiled for AVX-512F (flags in Package.swift); empty off x86-64.
// Call them only when the CPU and the OS support AVX-512F (VectorMath checks).
#if arch(x86_64)
import VectorKernels

/// `tanhKernel` compiled for AVX-512F. Never inlined: a copy inlined into a caller
/// would lose this module's flags.
@inline(never)
public func tanhAVX512(_ base: UnsafeMutablePointer<Double>, _ count: Int) {
    tanhKernel(base, count)
}

/// `adamKernel` compiled for AVX-512F. Never inlined (see `tanhAVX512`).
@inline(never)
public func adamAVX512(_ parameters: UnsafeMutablePointer<Double>, _ gradient: UnsafePointer<Double>,
                      _ first: UnsafeMutablePointer<Double>, _ second: UnsafeMutablePointer<Double>,
                      _ count: Int, _ step: AdamStep) {
    adamKernel(parameters, gradient, first, second, count, step)
}
#endif
