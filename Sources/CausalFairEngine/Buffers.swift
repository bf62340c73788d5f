import CausalFairCore

/// Checked conversions between caller buffers and engine values.
enum Buffers {
    /// A matrix copied from a row-major caller buffer; `name` is used in errors.
    static func matrix(_ pointer: UnsafePointer<Double>?, rows: Int64, cols: Int64, name: String) throws -> Matrix {
        guard rows >= 0, cols >= 0 else { throw CausalFairError.invalidArgument("\(name) has a negative size") }
        let count = try checkedProduct(Int(rows), Int(cols), what: name)
        guard count > 0 else { return Matrix(rows: Int(rows), cols: Int(cols)) }
        guard let pointer else { throw CausalFairError.invalidArgument("\(name) is NULL") }
        return Matrix(copying: pointer, rows: Int(rows), cols: Int(cols))
    }

    /// An array copied from a caller buffer.
    static func array<T>(_ pointer: UnsafePointer<T>?, count: Int64, name: String) throws -> [T] {
        guard count >= 0 else { throw CausalFairError.invalidArgument("\(name) has a negative length") }
        guard count > 0 else { return [] }
        guard let pointer else { throw CausalFairError.invalidArgument("\(name) is NULL") }
        return Array(UnsafeBufferPointer(start: pointer, count: Int(count)))
    }

    /// Throws unless an output buffer of `length` elements holds exactly `count`; a call
    /// with several outputs checks them all before computing, so none is written when
    /// one is short.
    static func checkLength(_ length: Int64, _ count: Int, name: String) throws {
        guard length == Int64(count) else {
            throw CausalFairError.invalidArgument("\(name) has \(length) elements, expected \(count)")
        }
    }

    /// Writes `values` into an output buffer of `length` elements, which must match.
    static func write<T>(_ values: [T], to pointer: UnsafeMutablePointer<T>?, length: Int64, name: String = "out") throws {
        try checkLength(length, values.count, name: name)
        guard !values.isEmpty else { return }
        guard let pointer else { throw CausalFairError.invalidArgument("\(name) is NULL") }
        values.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            pointer.update(from: base, count: values.count)
        }
    }

    /// Interventions from node indices and a value matrix whose columns are the
    /// intervened nodes' encoded columns, in order.
    static func interventions(model: StructuralCausalModel, nodes: UnsafePointer<Int64>?, count: Int64,
                              values: UnsafePointer<Double>?, rows: Int64, cols: Int64) throws
        -> [(node: Int, values: Matrix)] {
        let indices = try array(nodes, count: count, name: "do_nodes").map { Int($0) }
        guard !indices.isEmpty else { return [] }
        let block = try matrix(values, rows: rows, cols: cols, name: "do_values")
        var result: [(node: Int, values: Matrix)] = []
        var column = 0
        for node in indices {
            guard node >= 0, node < model.nodes.count else {
                throw CausalFairError.unknownNode("do_nodes names node \(node), but there are \(model.nodes.count) nodes")
            }
            let width = model.nodes[node].kind.width
            guard column + width <= block.cols else {
                throw CausalFairError.invalidArgument("do_values has \(block.cols) columns, the interventions need more")
            }
            result.append((node, block.gatherColumns(Array(column..<(column + width)))))
            column += width
        }
        guard column == block.cols else {
            throw CausalFairError.invalidArgument("do_values has \(block.cols) columns, the interventions need \(column)")
        }
        return result
    }
}
