/// The directed graph of an SCM: parents per node, a topological order, and the
/// checks that make it a DAG.
public struct CausalGraph: Sendable, Equatable {
    /// Parent indices of every node.
    public let parents: [[Int]]
    /// Children of every node, in increasing order.
    public let children: [[Int]]
    /// Every node once, each after all of its parents (ties in index order).
    public let topologicalOrder: [Int]

    /// Builds and checks a graph. Throws `unknownNode` for a parent index outside
    /// `0..<parents.count`, `invalidArgument` for a self loop, a repeated parent or a
    /// cycle (the message lists the cycle, e.g. "node 2 -> node 0 -> node 2").
    public init(parents: [[Int]]) throws {
        let count = parents.count
        var children = [[Int]](repeating: [], count: count)
        for (node, nodeParents) in parents.enumerated() {
            var seen = Set<Int>()
            for parent in nodeParents {
                guard parent >= 0, parent < count else {
                    throw CausalFairError.unknownNode("node \(node) has parent \(parent), but there are \(count) nodes")
                }
                guard parent != node else {
                    throw CausalFairError.invalidArgument("node \(node) is its own parent (self loop)")
                }
                guard seen.insert(parent).inserted else {
                    throw CausalFairError.invalidArgument("node \(node) lists parent \(parent) twice")
                }
                children[parent].append(node)
            }
        }
        if let cycle = Self.findCycle(children: children) {
            let path = cycle.map { "node \($0)" }.joined(separator: " -> ")
            throw CausalFairError.invalidArgument("the graph has a cycle: \(path)")
        }
        self.parents = parents
        self.children = children.map { $0.sorted() }
        self.topologicalOrder = Self.kahnOrder(parents: parents, children: self.children)
    }

    /// A directed cycle of the graph with these parents, as its nodes in edge order
    /// (parent before child, the path closed by an edge from the last to the first),
    /// or nil when there is none. Parent indices must be in `0..<parents.count`.
    public static func cycle(parents: [[Int]]) -> [Int]? {
        var children = [[Int]](repeating: [], count: parents.count)
        for (node, nodeParents) in parents.enumerated() {
            for parent in nodeParents { children[parent].append(node) }
        }
        return findCycle(children: children).map { Array($0.dropLast()) }
    }

    /// Kahn's algorithm, always taking the smallest ready index.
    private static func kahnOrder(parents: [[Int]], children: [[Int]]) -> [Int] {
        var remaining = parents.map(\.count)
        var ready = remaining.indices.filter { remaining[$0] == 0 }
        var order: [Int] = []
        while let node = ready.min() {
            ready.removeAll { $0 == node }
            order.append(node)
            for child in children[node] {
                remaining[child] -= 1
                if remaining[child] == 0 { ready.append(child) }
            }
        }
        return order
    }

    /// A cycle as a closed path (first node repeated at the end), or nil; iterative DFS.
    private static func findCycle(children: [[Int]]) -> [Int]? {
        enum Mark { case unvisited, active, done }
        var mark = [Mark](repeating: .unvisited, count: children.count)
        for start in children.indices where mark[start] == .unvisited {
            var stack: [(node: Int, next: Int)] = [(start, 0)]
            mark[start] = .active
            while let top = stack.last {
                if top.next < children[top.node].count {
                    stack[stack.count - 1].next += 1
                    let child = children[top.node][top.next]
                    switch mark[child] {
                    case .active:
                        let path = stack.map(\.node)
                        let begin = path.firstIndex(of: child) ?? 0
                        return Array(path[begin...]) + [child]
                    case .unvisited:
                        mark[child] = .active
                        stack.append((child, 0))
                    case .done:
                        break
                    }
                } else {
                    mark[top.node] = .done
                    stack.removeLast()
                }
            }
        }
        return nil
    }
}
