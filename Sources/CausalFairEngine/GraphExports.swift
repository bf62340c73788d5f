import CausalFairABI
import CausalFairCore

// The graph function of the C ABI: the core's topological order and cycle detection
// (CausalGraph), so that callers do not keep their own copies.

@_cdecl("cf_graph_order")
public func cf_graph_order(_ parentCounts: UnsafePointer<Int64>?, _ nodeCount: Int64,
                           _ parents: UnsafePointer<Int64>?, _ parentTotal: Int64,
                           _ order: UnsafeMutablePointer<Int64>?, _ orderLength: Int64,
                           _ cycle: UnsafeMutablePointer<Int64>?, _ cycleLength: Int64,
                           _ cycleCount: UnsafeMutablePointer<Int64>?,
                           _ err: ErrorBuffer, _ errLength: Int64) -> Int32 {
    guarded(err, errLength) {
        guard nodeCount >= 1, nodeCount <= Int64(EngineLimits.nodes) else {
            throw CausalFairError.invalidArgument("n_nodes: expected an int in [1, \(EngineLimits.nodes)], got \(nodeCount)")
        }
        guard orderLength == nodeCount, cycleLength == nodeCount else {
            throw CausalFairError.invalidArgument(
                "order and cycle must have n_nodes = \(nodeCount) elements, got \(orderLength) and \(cycleLength)")
        }
        guard let cycleCount else { throw CausalFairError.invalidArgument("cycle_count is NULL") }
        let counts = try Buffers.array(parentCounts, count: nodeCount, name: "parent_counts")
        let flat = try Buffers.array(parents, count: parentTotal, name: "parents")
        guard counts.allSatisfy({ $0 >= 0 }), counts.reduce(0, +) == parentTotal else {
            throw CausalFairError.invalidArgument("parent_counts must be >= 0 and sum to n_parents = \(parentTotal)")
        }
        var lists: [[Int]] = []
        var start = 0
        for count in counts {
            lists.append(flat[start..<(start + Int(count))].map { Int(clamping: $0) })
            start += Int(count)
        }
        for (node, nodeParents) in lists.enumerated() where nodeParents.contains(where: { $0 < 0 || $0 >= lists.count }) {
            throw CausalFairError.unknownNode("node \(node) has a parent outside 0..<\(lists.count)")
        }
        if let found = CausalGraph.cycle(parents: lists) {
            try Buffers.write(found.map(Int64.init) + [Int64](repeating: -1, count: lists.count - found.count),
                              to: cycle, length: cycleLength, name: "cycle")
            cycleCount.pointee = Int64(found.count)
            return
        }
        let graph = try CausalGraph(parents: lists)
        try Buffers.write(graph.topologicalOrder.map(Int64.init), to: order, length: orderLength, name: "order")
        cycleCount.pointee = 0
    }
}
