// Small vector helpers of the gradient code: a vector as a one-column matrix, and
// in-place vector addition.

/// A one-column matrix holding `values`.
func columnVector(_ values: [Double]) -> Matrix {
    (try? Matrix(rows: values.count, cols: 1, storage: values)) ?? Matrix(rows: 0, cols: 1)
}

/// Adds `b` into `a` element by element (same lengths).
func accumulate(_ a: inout [Double], _ b: [Double]) {
    for i in a.indices { a[i] += b[i] }
}
