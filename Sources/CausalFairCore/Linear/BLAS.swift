import CBLAS

/// Matrix products on OpenBLAS (`cblas_dgemm`, `cblas_dgemv`), row-major.
///
/// OpenBLAS runs single-threaded in the engine: the first product sets its pool to one
/// thread (`openblas_set_num_threads(1)`, for the whole process's copy of Debian's
/// libopenblas), and the engine's own threads (`ParallelPieces`) split the work. The
/// products of training and audits (batches of about 100 rows, chunks of a few
/// thousand candidates against 100-wide layers) are far below the size where OpenBLAS's
/// pool pays for its wake-ups, and a pool woken inside every engine thread would
/// oversubscribe the cores.
public enum BLAS {
    /// Sets OpenBLAS to one thread, once per process (a `static let` is initialised once,
    /// thread-safely, on first use).
    private static let singleThreaded: Void = openblas_set_num_threads(1)

    /// `C = alpha * op(A) * op(B) + beta * C` on raw row-major buffers, where op(A) is
    /// `m x k`, op(B) is `k x n` and C is `m x n`. Empty sizes are handled without
    /// calling BLAS (C is scaled by beta when k is 0).
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        _ = singleThreaded
        guard k > 0 else {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(max(lda, 1)), b, blasint(max(ldb, 1)),
            beta, c, blasint(max(ldc, 1)))
    }

    /// Rows of C per piece of `parallelProduct`.
    static let productPieceRows = 256

    /// `C = A B` (row-major, m x k times k x n, C m x n) with C's rows cut into consecutive
    /// pieces of at most `productPieceRows` rows (a partition fixed by m), each piece's
    /// product computed by OpenBLAS on one of up to `threads` threads: the same bits for
    /// any thread count. For large standalone products (`cf_matrix_multiply`); the
    /// engine's own products are small and run inside its pieces.
    public static func parallelProduct(m: Int, n: Int, k: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>,
                                       c: UnsafeMutablePointer<Double>, threads: Int) throws {
        let ranges = ParallelPieces.pieceRanges(m, pieceSize: productPieceRows)
        // The buffers cross into the pieces as addresses: every piece reads A's and B's
        // rows and writes only its own rows of C.
        let (aAddress, bAddress, cAddress) = (Int(bitPattern: a), Int(bitPattern: b), Int(bitPattern: c))
        _ = try ParallelPieces.map(ranges.count, threads: threads) { p in
            let rows = ranges[p]
            guard let a = UnsafePointer<Double>(bitPattern: aAddress), let b = UnsafePointer<Double>(bitPattern: bAddress),
                  let c = UnsafeMutablePointer<Double>(bitPattern: cAddress) else {
                throw CausalFairError.computation("matrix product: a buffer address did not survive the piece")
            }
            gemm(transposeA: false, transposeB: false, m: rows.count, n: n, k: k, alpha: 1, a: a + rows.lowerBound * k,
                 lda: k, b: b, ldb: n, beta: 0, c: c + rows.lowerBound * n, ldc: n)
        }
    }

    /// `op(a) * op(b)` as a new matrix.
    public static func multiply(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                product(transposeA: transposeA, transposeB: transposeB, m: transposeA ? a.cols : a.rows,
                        n: transposeB ? b.rows : b.cols, k: transposeA ? a.rows : a.cols, a: pa, lda: a.cols, b: pb, ldb: b.cols)
            }
        }
    }

    /// `op(A) * op(B)` (m x n) for raw row-major buffers, as a new matrix whose storage
    /// the product writes directly (no zero fill first: with beta 0 BLAS ignores C).
    static func product(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                        a: UnsafeBufferPointer<Double>, lda: Int, b: UnsafeBufferPointer<Double>, ldb: Int) -> Matrix {
        Matrix(rows: m, cols: n) { c in
            guard let ap = a.baseAddress, let bp = b.baseAddress else {
                c.initialize(repeating: 0, count: max(m, 0) * max(n, 0))   // an empty factor: k is 0
                return
            }
            gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                 a: ap, lda: lda, b: bp, ldb: ldb, beta: 0, c: c, ldc: n)
        }
    }

    /// `y = op(A) x` for a matrix and a vector, as a new vector.
    public static func multiply(_ a: Matrix, _ x: [Double], transposeA: Bool = false) -> [Double] {
        let outCount = transposeA ? a.cols : a.rows
        var y = [Double](repeating: 0, count: outCount)
        guard a.rows > 0, a.cols > 0 else { return y }
        a.storage.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    guard let ap = pa.baseAddress, let xp = px.baseAddress, let yp = py.baseAddress else { return }
                    _ = singleThreaded
                    cblas_dgemv(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                                blasint(a.rows), blasint(a.cols), 1, ap, blasint(a.cols), xp, 1, 0, yp, 1)
                }
            }
        }
        return y
    }

    /// `Σᵢ x[i] y[i]` over `count` contiguous elements (`cblas_ddot`; 0 when count ≤ 0).
    public static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count: Int) -> Double {
        _ = singleThreaded
        return count > 0 ? cblas_ddot(blasint(count), x, 1, y, 1) : 0
    }
}
