// swift-tools-version:6.0
import PackageDescription

// The vector kernels (Sources/VectorKernels: tanh, the Adam update, the logistic loss
// and weighted Gram matrix of the Newton solver) are compiled once per instruction set,
// one module each, and VectorMath picks one when first used. `-Xcc -m<feature>` reaches
// Swift's code generator through its Clang importer (target features are shared),
// and gives exactly the feature sets of clang's `target("avx512f")`/`target("avx2")`
// with generic tuning; `-target-cpu skylake-avx512` would prefer 256-bit vectors and
// `x86-64-v4` is not accepted. The manifest is compiled for the host, so these are
// x86-64 hosts' flags; elsewhere the AVX targets are empty and get none.
//
// `-fno-math-errno` lets `squareRoot()` (the standard library's inline C
// `__builtin_sqrt`) be the bare instruction, so the Adam loop vectorises: with errno
// it is a scalar sqrt with a libm call for negative inputs. The result bits are the
// same (sqrt is correctly rounded; only errno, which nothing reads, is dropped).
let noErrno: [String] = ["-Xcc", "-fno-math-errno"]
#if arch(x86_64)
let baselineFlags: [SwiftSetting] = [.unsafeFlags(["-Xllvm", "-force-vector-width=2"] + noErrno)]
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2"] + noErrno)]
let avx512Flags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx512f"] + noErrno)]
#else
let baselineFlags: [SwiftSetting] = [.unsafeFlags(noErrno)]
let avx2Flags: [SwiftSetting] = []
let avx512Flags: [SwiftSetting] = []
#endif

let package = Package(
    name: "causalfair",
    products: [
        // The engine with its C ABI, loaded by the CPython extension.
        .library(name: "CausalFairEngine", type: .dynamic, targets: ["CausalFairEngine"]),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        // The vector kernels and their baseline build; their AVX2 and AVX-512 builds.
        .target(name: "VectorKernels", swiftSettings: baselineFlags),
        .target(name: "VectorKernelsAVX2", dependencies: ["VectorKernels"], swiftSettings: avx2Flags),
        .target(name: "VectorKernelsAVX512", dependencies: ["VectorKernels"], swiftSettings: avx512Flags),
        .target(
            name: "CausalFairCore",
            dependencies: ["CBLAS", "VectorKernels", "VectorKernelsAVX2", "VectorKernelsAVX512"],
            exclude: ["README.md"]
        ),
        // The C ABI's one contract, causalfair.h, as a Clang module: the engine reads its
        // structs and codes from it, and the CPython shim compiles against the same file.
        .systemLibrary(name: "CausalFairABI", path: "Sources/CausalFairEngine/include"),
        .target(
            name: "CausalFairEngine",
            dependencies: ["CausalFairCore", "CausalFairABI"],
            exclude: ["include", "README.md"]
        ),
        // Helpers and reference models shared by the test targets (not part of any product).
        .target(name: "CausalFairTestSupport", dependencies: ["CausalFairCore"], path: "Tests/CausalFairTestSupport"),
        .testTarget(
            name: "CausalFairCoreTests",
            dependencies: ["CausalFairCore", "VectorKernels", "CausalFairTestSupport"]
        ),
        // The C ABI itself: the @_cdecl functions called as C calls them.
        .testTarget(
            name: "CausalFairEngineTests",
            dependencies: ["CausalFairEngine", "CausalFairABI", "CausalFairCore"]
        ),
    ]
)
