import Testing
@testable import CausalFairCore

/// Dense matrices, BLAS products and the Cholesky solver.
@Suite("Matrix and BLAS")
struct MatrixTests {
    /// (m, k, n) shapes of op(A) (m x k) and op(B) (k x n), including empty ones.
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (3, 4, 5), (7, 2, 3), (5, 9, 1), (0, 3, 4), (3, 0, 4), (3, 4, 0), (0, 0, 0),
    ]

    @Test("multiply matches the naive triple loop for every transpose combination",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func multiplyMatchesNaive(transposeA: Bool, transposeB: Bool) {
        var generator = Xoshiro256StarStar(seed: 100)
        for (m, k, n) in Self.shapes {
            let a = transposeA ? randomMatrix(rows: k, cols: m, generator: &generator)
                               : randomMatrix(rows: m, cols: k, generator: &generator)
            let b = transposeB ? randomMatrix(rows: n, cols: k, generator: &generator)
                               : randomMatrix(rows: k, cols: n, generator: &generator)
            let product = BLAS.multiply(a, b, transposeA: transposeA, transposeB: transposeB)
            let expected = naiveMultiply(a, b, transposeA: transposeA, transposeB: transposeB)
            #expect(product.rows == m && product.cols == n, "shape for \(m)x\(k)x\(n)")
            #expect(maxAbsDifference(product, expected) < 1e-12, "values for \(m)x\(k)x\(n)")
        }
    }

    @Test("an empty inner dimension gives a zero product")
    func emptyInnerDimensionIsZero() throws {
        let a = Matrix(rows: 3, cols: 0)
        let b = Matrix(rows: 0, cols: 2)
        let product = BLAS.multiply(a, b)
        #expect(product == Matrix(rows: 3, cols: 2, repeating: 0))
    }

    @Test("gemm with k = 0 scales C by beta")
    func gemmEmptyInnerScalesByBeta() {
        var c: [Double] = [1, 2, 3, 4]
        let empty: [Double] = [0]
        empty.withUnsafeBufferPointer { e in
            c.withUnsafeMutableBufferPointer { pc in
                BLAS.gemm(transposeA: false, transposeB: false, m: 2, n: 2, k: 0, alpha: 1,
                          a: e.baseAddress!, lda: 1, b: e.baseAddress!, ldb: 2, beta: 2,
                          c: pc.baseAddress!, ldc: 2)
            }
        }
        #expect(c == [2, 4, 6, 8])
    }

    @Test("gemm accumulates alpha A B + beta C")
    func gemmAccumulates() {
        let a: [Double] = [1, 2, 3, 4]      // 2 x 2
        let b: [Double] = [5, 6, 7, 8]      // 2 x 2
        var c: [Double] = [1, 1, 1, 1]
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(transposeA: false, transposeB: false, m: 2, n: 2, k: 2, alpha: 2,
                              a: pa.baseAddress!, lda: 2, b: pb.baseAddress!, ldb: 2, beta: -1,
                              c: pc.baseAddress!, ldc: 2)
                }
            }
        }
        // A B = [[19, 22], [43, 50]]
        #expect(c == [37, 43, 85, 99])
    }

    @Test("matrix-vector multiply matches the naive loop, with and without transpose")
    func matrixVector() {
        var generator = Xoshiro256StarStar(seed: 101)
        for (rows, cols) in [(4, 3), (1, 5), (6, 1), (0, 3), (3, 0)] {
            let a = randomMatrix(rows: rows, cols: cols, generator: &generator)
            let x = (0..<cols).map { _ in generator.normal() }
            let y = BLAS.multiply(a, x)
            let expected = (0..<rows).map { r in (0..<cols).reduce(0.0) { $0 + a[r, $1] * x[$1] } }
            #expect(maxAbsDifference(y, expected) < 1e-12, "A x for \(rows)x\(cols)")
            let w = (0..<rows).map { _ in generator.normal() }
            let yt = BLAS.multiply(a, w, transposeA: true)
            let expectedT = (0..<cols).map { c in (0..<rows).reduce(0.0) { $0 + a[$1, c] * w[$1] } }
            #expect(maxAbsDifference(yt, expectedT) < 1e-12, "A^T w for \(rows)x\(cols)")
        }
    }

    @Test("Cholesky solves a known symmetric positive definite system")
    func choleskyKnownSystem() throws {
        let a = matrix([[4, 2, 0], [2, 5, 1], [0, 1, 3]])
        let x = matrix([[1, -2], [2, 0.5], [-3, 4]])
        let b = naiveMultiply(a, x, transposeA: false, transposeB: false)
        let solution = try Cholesky.solve(a, b)
        #expect(maxAbsDifference(solution, x) < 1e-12)
    }

    @Test("Cholesky solves a random well-conditioned system")
    func choleskyRandomSystem() throws {
        var generator = Xoshiro256StarStar(seed: 102)
        let g = randomMatrix(rows: 30, cols: 6, generator: &generator)
        var a = naiveMultiply(g, g, transposeA: true, transposeB: false)
        for i in 0..<6 { a[i, i] += 1 }
        let x = randomMatrix(rows: 6, cols: 1, generator: &generator)
        let b = naiveMultiply(a, x, transposeA: false, transposeB: false)
        let solution = try Cholesky.solve(a, b)
        #expect(maxAbsDifference(solution, x) < 1e-10)
    }

    @Test("Cholesky throws computation for singular and indefinite matrices",
          arguments: [
              [[1.0, 2], [2, 4]],                       // rank 1
              [[1.0, 0], [0, 0]],                       // zero pivot
              [[1.0, 2], [2, 1]],                       // indefinite
              [[1.0, 1, 0], [1, 1, 0], [0, 0, 1]],      // collinear first two
          ])
    func choleskySingularThrows(rows: [[Double]]) {
        let a = matrix(rows)
        let b = Matrix(rows: a.rows, cols: 1, repeating: 1)
        let error = thrownError { try Cholesky.solve(a, b) }
        #expect(error?.kind == .computation)
        #expect(error?.message.contains("singular") == true)
    }

    @Test("Cholesky's singularity test does not depend on the columns' scales")
    func choleskyScaleInvariant() throws {
        // The Gram matrix of [1, s, 10⁶ x] for a well-posed design: condition number ~10¹²
        // from the scales alone, which a tolerance relative to the largest diagonal rejected.
        let a = matrix([[4.0, 2, 2e6], [2, 2, 1.5e6], [2e6, 1.5e6, 3e12]])
        let x = matrix([[1.0], [-2], [3e-6]])
        let b = naiveMultiply(a, x, transposeA: false, transposeB: false)
        let solution = try Cholesky.solve(a, b)
        #expect(abs(solution[0, 0] - 1) < 1e-6 && abs(solution[1, 0] + 2) < 1e-6)
        #expect(abs(solution[2, 0] - 3e-6) < 1e-12)
    }

    @Test("Matrix(rows:cols:storage:) checks the element count")
    func storageCountChecked() throws {
        #expect(thrownError { try Matrix(rows: 2, cols: 3, storage: [1, 2, 3, 4, 5]) }?.kind == .invalidArgument)
        #expect(thrownError { try Matrix(rows: -1, cols: 3, storage: []) }?.kind == .invalidArgument)
        let m = try Matrix(rows: 2, cols: 3, storage: [1, 2, 3, 4, 5, 6])
        #expect(m[1, 0] == 4 && m[0, 2] == 3)
    }

    @Test("gather, scatter and accumulate columns, gather rows, column sums")
    func columnAndRowOperations() {
        var m = matrix([[1, 2, 3], [4, 5, 6]])
        #expect(m.gatherColumns([2, 0]) == matrix([[3, 1], [6, 4]]))
        #expect(m.gatherRows([1, 1, 0]) == matrix([[4, 5, 6], [4, 5, 6], [1, 2, 3]]))
        #expect(m.columnSums() == [5, 7, 9])
        m.scatterColumns([0, 2], from: matrix([[10, 30]]))   // one row broadcast
        #expect(m == matrix([[10, 2, 30], [10, 5, 30]]))
        m.accumulateColumns([1], from: matrix([[1], [2]]))
        #expect(m == matrix([[10, 3, 30], [10, 7, 30]]))
        m.addRowVector([1, 1, 1])
        #expect(m == matrix([[11, 4, 31], [11, 8, 31]]))
        #expect(m - m == Matrix(rows: 2, cols: 3))
        #expect(m + m == matrix([[22, 8, 62], [22, 16, 62]]))
        var bad = m
        bad[0, 1] = .nan
        #expect(!bad.isFinite && m.isFinite)
    }

    @Test("checkedProduct multiplies sizes and rejects overflow and negatives")
    func checkedProductLimits() throws {
        #expect(try checkedProduct(3, 4, 5, what: "x") == 60)
        #expect(thrownError { try checkedProduct(1 << 20, 1 << 20, what: "x") }?.kind == .tooLarge)
        #expect(thrownError { try checkedProduct(Int.max, 3, what: "x") }?.kind == .tooLarge)
        // Every accepted size fits OpenBLAS's 32-bit indices: 2^31 itself is refused.
        #expect(try checkedProduct(Int(Int32.max), 1, what: "x") == Int(Int32.max))
        #expect(thrownError { try checkedProduct(1 << 31, 1, what: "x") }?.kind == .tooLarge)
        #expect(thrownError { try checkedProduct(-1, 3, what: "x") }?.kind == .invalidArgument)
    }
}
