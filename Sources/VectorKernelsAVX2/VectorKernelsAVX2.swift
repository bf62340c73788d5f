// The elementwise kernels compiled for AVX2 (flags in Package.swift); empty off x86-64.
// Call them only when the CPU and the OS support AVX2 (VectorMath checks).
#if arch(x86_64)
import VectorKernels

/// `tanhKernel` compiled for AVX2. Never inlined: a copy inlined into a caller
/// would lose this module's flags.
@inline(never)
public func tanhAVX2(_ base: UnsafeMutablePointer<Double>, _ count: Int) {
    tanhKernel(base, count)
}

/// `logisticLossKernel` compiled for AVX2. Never inlined, like `tanhAVX2`.
@inline(never)
public func logisticLossAVX2(_ logits: UnsafePointer<Double>, _ labels: UnsafePointer<Double>,
                             _ probabilities: UnsafeMutablePointer<Double>,
                             _ losses: UnsafeMutablePointer<Double>, _ count: Int) {
    logisticLossKernel(logits, labels, probabilities, losses, count)
}

/// `weightedGramKernel` compiled for AVX2. Never inlined, like `tanhAVX2`.
@inline(never)
public func weightedGramAVX2(_ columns: UnsafePointer<Double>, _ dimension: Int, _ count: Int,
                             _ weights: UnsafePointer<Double>, _ values: UnsafePointer<Double>,
                             _ gram: UnsafeMutablePointer<Double>, _ sums: UnsafeMutablePointer<Double>,
                             _ scratch: UnsafeMutablePointer<SIMD8<Double>>) {
    weightedGramKernel(columns, dimension, count, weights, values, gram, sums, scratch)
}

/// `adamKernel` compiled for AVX2. Never inlined, like `tanhAVX2`.
@inline(never)
public func adamAVX2(_ parameters: UnsafeMutablePointer<Double>, _ gradient: UnsafePointer<Double>,
                     _ first: UnsafeMutablePointer<Double>, _ second: UnsafeMutablePointer<Double>,
                     _ count: Int, _ step: AdamStep) {
    adamKernel(parameters, gradient, first, second, count, step)
}
#endif
