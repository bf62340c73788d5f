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

    /// Element access.
    @inlinable
    public subscript(row: Int, col: Int) -> Double {
        get { storage[row * cols + col] }
        set { storage[row * cols + col] = newValue }
    }

    /// True when every element is finite (no NaN, no infinity).
    public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }

    /// The columns `columns` (in that order) of every row, as a new matrix.
    public func gatherColumns(_ columns: [Int]) -> Matrix {
        var result = Matrix(rows: rows, cols: columns.count)
        for r in 0..<rows {
            let source = r * cols
            let target = r * columns.count
            for (j, c) in columns.enumerated() {
                result.storage[target + j] = storage[source + c]
            }
        }
        return result
    }

    /// Writes the columns of `block` into columns `columns` of every row.
    /// `block` has one row per row of `self`, or a single row broadcast to all.
    public mutating func scatterColumns(_ columns: [Int], from block: Matrix) {
        for r in 0..<rows {
            let source = block.rows == 1 ? 0 : r * block.cols
            let target = r * cols
            for (j, c) in columns.enumerated() {
                storage[target + c] = block.storage[source + j]
            }
        }
    }

    /// Adds the columns of `block` (one row per row of `self`) into columns `columns`.
    public mutating func accumulateColumns(_ columns: [Int], from block: Matrix) {
        for r in 0..<rows {
            let source = r * block.cols
            let target = r * cols
            for (j, c) in columns.enumerated() {
                storage[target + c] += block.storage[source + j]
            }
        }
    }

    /// Rows `indices` (in that order) as a new matrix.
    public func gatherRows(_ indices: [Int]) -> Matrix {
        var result = Matrix(rows: indices.count, cols: cols)
        for (i, r) in indices.enumerated() {
            for c in 0..<cols {
                result.storage[i * cols + c] = storage[r * cols + c]
            }
        }
        return result
    }

    /// Adds `vector` (length `cols`) to every row.
    public mutating func addRowVector(_ vector: [Double]) {
        for r in 0..<rows {
            for c in 0..<cols {
                storage[r * cols + c] += vector[c]
            }
        }
    }

    /// Sum of every column, as a vector of length `cols`.
    public func columnSums() -> [Double] {
        var sums = [Double](repeating: 0, count: cols)
        for r in 0..<rows {
            for c in 0..<cols {
                sums[c] += storage[r * cols + c]
            }
        }
        return sums
    }
}

/// Element-wise arithmetic.
extension Matrix {
    /// `a - b`, element by element (same shapes).
    public static func - (a: Matrix, b: Matrix) -> Matrix {
        var result = a
        for i in result.storage.indices { result.storage[i] -= b.storage[i] }
        return result
    }

    /// `a + b`, element by element (same shapes).
    public static func + (a: Matrix, b: Matrix) -> Matrix {
        var result = a
        for i in result.storage.indices { result.storage[i] += b.storage[i] }
        return result
    }
}
