// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "causalfair",
    products: [
        // The engine with its C ABI, loaded by the CPython extension.
        .library(name: "CausalFairEngine", type: .dynamic, targets: ["CausalFairEngine"]),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        // The tanh kernel, compiled per instruction set and dispatched at load time.
        .target(name: "CVectorMath"),
        .target(
            name: "CausalFairCore",
            dependencies: ["CBLAS", "CVectorMath"],
            exclude: ["README.md"]
        ),
        .target(
            name: "CausalFairEngine",
            dependencies: ["CausalFairCore"],
            exclude: ["include", "README.md"]
        ),
        .testTarget(
            name: "CausalFairCoreTests",
            dependencies: ["CausalFairCore"]
        ),
    ]
)
