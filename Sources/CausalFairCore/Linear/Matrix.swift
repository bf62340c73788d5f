/// A dense row-major matrix of `Double` over one contiguous array.
///
/// Element `(r, c)` lives at `storage[r * cols + c]`. Value semantics: copies are
/// cheap until mutated (copy-on-write of the underlying array).
public struct Matrix: Equatable, Sendable {
    /// Number of rows.
    public private(set) var rows: Int
    /// Number of columns.
    public private(set) var cols: Int
    /// The elements, row by row; `storage.count == rows * cols`.
    public var storage: [Double]

    /// A `rows` x `cols` matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        self.rows = max(rows, 0)
        self.cols = max(cols, 0)
        self.storage = [Double](repeating: value, count: self.rows * self.cols)
    }

    /// A matrix over existing row-major storage; throws if the sizes disagree.
    public init(rows: Int, cols: Int, storage: [Double]) throws {
        guard rows >= 0, cols >= 0, storage.count == rows * cols else {
            throw CausalFairError.invalidArgument(
                "matrix of \(rows) x \(cols) needs \(max(rows, 0) * max(cols, 0)) elements, got \(storage.count)")
        }
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// Copies `rows * cols` elements from a row-major buffer.
    public init(copying pointer: UnsafePointer<Double>, rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        self.storage = Array(UnsafeBufferPointer(start: pointer, count: rows * cols))
    }

    /// The rows of `parts` one after the other (every part with `cols` columns): how
    /// results computed in pieces of consecutive rows are joined.
    init(stackingRowsOf parts: [Matrix], cols: Int) {
        self.rows = parts.reduce(0) { $0 + $1.rows }
        self.cols = cols
        var storage: [Double] = []
        storage.reserveCapacity(rows * cols)
        for part in parts { storage += part.storage }
        self.storage = storage
    }

    /// Element access.
    @inlinable
    public subscript(row: Int, col: Int) -> Double {
        get { storage[row * cols + col] }
        set { storage[row * cols + col] = newValue }
    }

    /// True when every element is finite (no NaN, no infinity).
    public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }

    /// A `rows` x `cols` matrix whose elements `fill` writes, row-major, into
    /// uninitialised storage (every one of the `rows * cols` elements must be written).
    init(rows: Int, cols: Int, filling fill: (UnsafeMutablePointer<Double>) -> Void) {
        self.rows = max(rows, 0)
        self.cols = max(cols, 0)
        let count = self.rows * self.cols
        self.storage = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { fill(base) }
            initialized = count
        }
    }

    /// The columns `columns` (in that order) of every row, as a new matrix.
    public func gatherColumns(_ columns: [Int]) -> Matrix {
        precondition(columns.allSatisfy { $0 >= 0 && $0 < cols }, "column index out of range")
        let width = columns.count, stride = cols
        return storage.withUnsafeBufferPointer { source in
            columns.withUnsafeBufferPointer { picked in
                Matrix(rows: rows, cols: width) { target in
                    guard let s = source.baseAddress, let c = picked.baseAddress else { return }
                    for r in 0..<rows {
                        for j in 0..<width { target[r * width + j] = s[r * stride + c[j]] }
                    }
                }
            }
        }
    }

    /// Writes the columns of `block` into columns `columns` of every row.
    /// `block` has one row per row of `self`, or a single row broadcast to all.
    public mutating func scatterColumns(_ columns: [Int], from block: Matrix) {
        combineColumns(columns, from: block, adding: false)
    }

    /// Adds the columns of `block` (one row per row of `self`, or a single row broadcast
    /// to all) into columns `columns`.
    public mutating func accumulateColumns(_ columns: [Int], from block: Matrix) {
        combineColumns(columns, from: block, adding: true)
    }

    /// The loop behind `scatterColumns` and `accumulateColumns`, on raw pointers; the
    /// shapes are checked once (a wrong one is an engine bug, never a user's input).
    private mutating func combineColumns(_ columns: [Int], from block: Matrix, adding: Bool) {
        precondition(block.cols == columns.count && (block.rows == rows || block.rows == 1)
                     && columns.allSatisfy { $0 >= 0 && $0 < cols }, "column block of the wrong shape")
        let width = columns.count, stride = cols, sourceStride = block.rows == 1 ? 0 : block.cols
        let rowCount = rows
        columns.withUnsafeBufferPointer { picked in
            block.storage.withUnsafeBufferPointer { source in
                storage.withUnsafeMutableBufferPointer { target in
                    guard let c = picked.baseAddress, let s = source.baseAddress, let t = target.baseAddress else { return }
                    for r in 0..<rowCount {
                        for j in 0..<width {
                            let value = s[r * sourceStride + j]
                            if adding { t[r * stride + c[j]] += value } else { t[r * stride + c[j]] = value }
                        }
                    }
                }
            }
        }
    }

    /// Rows `indices` (in that order) as a new matrix.
    public func gatherRows(_ indices: [Int]) -> Matrix {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < rows }, "row index out of range")
        let width = cols
        return storage.withUnsafeBufferPointer { source in
            Matrix(rows: indices.count, cols: width) { target in
                guard let s = source.baseAddress else { return }
                for (i, r) in indices.enumerated() {
                    (target + i * width).update(from: s + r * width, count: width)
                }
            }
        }
    }

    /// Adds `vector` (length `cols`) to every row.
    public mutating func addRowVector(_ vector: [Double]) {
        precondition(vector.count == cols, "row vector of the wrong length")
        let width = cols, rowCount = rows
        vector.withUnsafeBufferPointer { v in
            storage.withUnsafeMutableBufferPointer { target in
                guard let t = target.baseAddress, let b = v.baseAddress else { return }
                for r in 0..<rowCount {
                    for c in 0..<width { t[r * width + c] += b[c] }
                }
            }
        }
    }

    /// Sum of every column, as a vector of length `cols` (rows added in order).
    public func columnSums() -> [Double] {
        var sums = [Double](repeating: 0, count: cols)
        let width = cols
        storage.withUnsafeBufferPointer { source in
            sums.withUnsafeMutableBufferPointer { total in
                guard let s = source.baseAddress, let t = total.baseAddress else { return }
                for r in 0..<rows {
                    for c in 0..<width { t[c] += s[r * width + c] }
                }
            }
        }
        return sums
    }
}

/// Element-wise arithmetic.
extension Matrix {
    /// `a - b`, element by element (same shapes).
    public static func - (a: Matrix, b: Matrix) -> Matrix {
        a.combined(with: b, -)
    }

    /// `a + b`, element by element (same shapes).
    public static func + (a: Matrix, b: Matrix) -> Matrix {
        a.combined(with: b, +)
    }

    /// `operation(self[i], other[i])` for every element (same shapes).
    @inline(__always)
    private func combined(with other: Matrix, _ operation: (Double, Double) -> Double) -> Matrix {
        var result = self
        let count = min(storage.count, other.storage.count)
        other.storage.withUnsafeBufferPointer { pb in
            result.storage.withUnsafeMutableBufferPointer { pa in
                guard let a = pa.baseAddress, let b = pb.baseAddress else { return }
                for i in 0..<count { a[i] = operation(a[i], b[i]) }
            }
        }
        return result
    }
}
