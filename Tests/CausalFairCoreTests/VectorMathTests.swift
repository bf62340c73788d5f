import Testing
@testable import CausalFairCore

@Suite("Vector math")
struct VectorMathTests {
    @Test("VectorMath.tanh matches the C library's tanh to 4e-16 and keeps its symmetry and limits")
    func tanhAccuracy() {
        var generator = Xoshiro256StarStar(seed: 5)
        var xs: [Double] = (0..<20_000).map { _ in 8 * generator.normal() }
        xs += [0, -0.0, 1e-300, -1e-300, 1e-12, 0.3466, 19, 19.5, 40, -40, 1e300, -1e300, .infinity, -.infinity]
        var fast = xs
        VectorMath.tanh(&fast)
        var worst = 0.0
        for (x, y) in zip(xs, fast) {
            worst = max(worst, abs(y - hyperbolicTangent(x)))
            #expect(y >= -1 && y <= 1)
        }
        #expect(worst < 4e-16)
        var symmetric = xs.map { -$0 }
        VectorMath.tanh(&symmetric)
        #expect(zip(fast, symmetric).allSatisfy { $0 == -$1 })
        var nan = [Double.nan]
        VectorMath.tanh(&nan)
        #expect(nan[0].isNaN)
    }
}
