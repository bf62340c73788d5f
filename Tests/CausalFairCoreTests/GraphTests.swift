import Testing
@testable import CausalFairCore

/// The causal graph: topological order and the DAG checks.
@Suite("Causal graph")
struct GraphTests {
    @Test("topological order lists every node once, each after all of its parents")
    func topologicalOrderParentsFirst() throws {
        // 0 <- 3, 1 <- {0, 4}, 2 <- {1}, 3 root, 4 <- {3}, 5 root, 6 <- {2, 5}
        let parents: [[Int]] = [[3], [0, 4], [1], [], [3], [], [2, 5]]
        let graph = try CausalGraph(parents: parents)
        #expect(graph.topologicalOrder.sorted() == Array(0..<7))
        let position = Dictionary(uniqueKeysWithValues: graph.topologicalOrder.enumerated().map { ($1, $0) })
        for (node, nodeParents) in parents.enumerated() {
            for parent in nodeParents {
                #expect(position[parent]! < position[node]!, "parent \(parent) before node \(node)")
            }
        }
        // Ties in index order: the smallest ready index first.
        #expect(graph.topologicalOrder == [3, 0, 4, 1, 2, 5, 6])
        #expect(graph.children == [[1], [2], [6], [0, 4], [1], [6], []])
        #expect(graph.parents == parents)
    }

    @Test("a graph without edges keeps index order")
    func emptyGraph() throws {
        #expect(try CausalGraph(parents: [[], [], []]).topologicalOrder == [0, 1, 2])
        #expect(try CausalGraph(parents: []).topologicalOrder == [])
    }

    @Test("a two-node cycle throws invalidArgument naming the cycle")
    func twoCycle() {
        let error = thrownError { try CausalGraph(parents: [[1], [0]]) }
        #expect(error?.kind == .invalidArgument)
        let message = error?.message ?? ""
        #expect(message.contains("cycle"))
        #expect(message.contains("node 0"))
        #expect(message.contains("node 1"))
    }

    @Test("the cycle in the message is a real closed path of the graph")
    func cycleMessageIsAPath() throws {
        // 1 -> 2 -> 3 -> 1 is a cycle; node 0 feeds it, node 4 hangs off it.
        let parents: [[Int]] = [[], [3], [1], [2, 0], [2]]
        let error = try #require(thrownError { try CausalGraph(parents: parents) })
        #expect(error.kind == .invalidArgument)
        let path = try #require(error.message.split(separator: ":").last)
            .split(separator: ">")
            .map { $0.filter(\.isNumber) }
            .compactMap { Int($0) }
        #expect(path.count == 4, "path \(path) from \(error.message)")
        #expect(path.first == path.last)
        #expect(Set(path) == [1, 2, 3])
        for (from, to) in zip(path, path.dropFirst()) {
            #expect(parents[to].contains(from), "edge \(from) -> \(to) in \(error.message)")
        }
    }

    @Test("a self loop throws invalidArgument")
    func selfLoop() {
        let error = thrownError { try CausalGraph(parents: [[], [1]]) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("node 1") == true)
    }

    @Test("a repeated parent throws invalidArgument")
    func duplicateParent() {
        let error = thrownError { try CausalGraph(parents: [[], [0, 0]]) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("twice") == true)
    }

    @Test("a parent index outside the graph throws unknownNode", arguments: [2, 5, -1])
    func unknownParent(parent: Int) {
        let error = thrownError { try CausalGraph(parents: [[], [parent]]) }
        #expect(error?.kind == .unknownNode)
        #expect(error?.message.contains("\(parent)") == true)
    }

    @Test("the SCM initialiser rejects a bad graph with the same errors")
    func modelRejectsBadGraph() {
        let cyclic = [
            NodeSpecification(kind: .continuous, parents: [1], mechanism: .linear(ridge: 0)),
            NodeSpecification(kind: .continuous, parents: [0], mechanism: .linear(ridge: 0)),
        ]
        #expect(thrownError { try StructuralCausalModel(nodes: cyclic) }?.kind == .invalidArgument)
        let unknown = [NodeSpecification(kind: .continuous, parents: [4], mechanism: .linear(ridge: 0))]
        #expect(thrownError { try StructuralCausalModel(nodes: unknown) }?.kind == .unknownNode)
    }
}
