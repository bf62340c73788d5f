import Testing
@testable import CausalFairCore

/// `StructuralCausalModel.interventionGradient`: the counterfactuals, logits and
/// intervention gradient that a recourse step needs, in one pass.
@Suite("Intervention gradient: counterfactuals at labelled positions, and ∂logit/∂(intervened value)")
struct InterventionGradientTests {
    static func classifier(inputs: Int, seed: UInt64 = 3) -> MultilayerPerceptron {
        var generator = Xoshiro256StarStar(seed: seed)
        return MultilayerPerceptron(widths: [inputs, 5, 1], activation: .tanh, generator: &generator)
    }

    @Test("rows gathered in any order, repeats included, are what the whole table's counterfactual gives at their labels (Gumbel-max child), bit for bit")
    func labelledRowsKeepTheirDraws() throws {
        let (scm, data) = try DiscreteSearchTests.model(rows: 50, seed: 4)
        let labels = [7, 2, 2, 31, 0]
        let values = [0.9, -1.3, -1.3, 2.0, 0.1]
        var all = data.gatherColumns([1])
        for (label, value) in zip(labels, values) { all[label, 0] = value }
        let whole = try scm.counterfactual(data, interventions: [(node: 1, values: all)])
        let step = try scm.interventionGradient(latent: try scm.abduct(data.gatherRows(labels), rowLabels: labels),
                                                interventions: [(node: 1, values: try Matrix(rows: 5, cols: 1, storage: values))],
                                                classifier: Self.classifier(inputs: 3))
        #expect(bitIdentical(step.counterfactuals.storage, whole.gatherRows(labels).storage))
        #expect(bitIdentical(step.logits, Self.classifier(inputs: 3)(step.counterfactuals).storage))
        // The labels matter: the same rows at positions 0..<5 draw B's noise elsewhere.
        let unlabelled = try scm.interventionGradient(latent: try scm.abduct(data.gatherRows(labels), rowLabels: Array(0..<5)),
                                                      interventions: [(node: 1, values: try Matrix(rows: 5, cols: 1, storage: values))],
                                                      classifier: Self.classifier(inputs: 3))
        let moved = try scm.counterfactual(data.gatherRows(labels),
                                           interventions: [(node: 1, values: try Matrix(rows: 5, cols: 1, storage: values))])
        #expect(bitIdentical(unlabelled.counterfactuals.storage, moved.storage))
        #expect(!bitIdentical(unlabelled.counterfactuals.storage, step.counterfactuals.storage))
    }

    @Test("the gradient is ∂logit/∂(intervened value) by central differences of counterfactual and classifier (MLP mechanisms; one node, and with its child held too)")
    func gradientMatchesFiniteDifferences() throws {
        let (scm, data) = try NonlinearReference.fitted()
        let rows = data.gatherRows(Array(0..<12))
        let network = Self.classifier(inputs: NonlinearReference.columns)
        let shifted = rows.gatherColumns([3]).storage.map { $0 + 0.4 }
        let childValues = rows.gatherColumns([4]).storage.map { $0 - 0.2 }
        for holdChild in [false, true] {
            func interventions(_ a: [Double]) throws -> [(node: Int, values: Matrix)] {
                var list = [(node: 1, values: try Matrix(rows: 12, cols: 1, storage: a))]
                if holdChild { list.append((node: 2, values: try Matrix(rows: 12, cols: 1, storage: childValues))) }
                return list
            }
            let step = try scm.interventionGradient(latent: try scm.abduct(rows), interventions: try interventions(shifted),
                                                    classifier: network)
            let h = 1e-5
            let up = network(try scm.counterfactual(rows, interventions: try interventions(shifted.map { $0 + h }))).storage
            let down = network(try scm.counterfactual(rows, interventions: try interventions(shifted.map { $0 - h }))).storage
            for r in 0..<12 {
                let difference = (up[r] - down[r]) / (2 * h)
                #expect(abs(step.gradient[r, 3] - difference) <= 1e-7 * max(1, abs(difference)))
            }
            if holdChild {
                // A's only child is held, so A reaches the logit only through its own column.
                let direct = network.inputGradientPass(network.forwardPass(step.counterfactuals)).gradient
                for r in 0..<12 { #expect(abs(step.gradient[r, 3] - direct[r, 3]) <= 1e-12 * max(1, abs(direct[r, 3]))) }
            } else {
                #expect((0..<12).contains { abs(step.gradient[$0, 3]) > 1e-3 })
            }
        }
    }

    @Test("pieces of 512 rows: the same bits on 1 and 3 threads, and each row's results its own (1,300 rows against the rows alone)")
    func threads() throws {
        let (scm, data) = try DiscreteSearchTests.model(rows: 1_300, seed: 8)
        let latent = try scm.abduct(data, rowLabels: Array(0..<1_300))
        let values = try Matrix(rows: 1_300, cols: 1, storage: (0..<1_300).map { Double($0 % 17) / 8 - 1 })
        let network = Self.classifier(inputs: 3)
        let one = try scm.interventionGradient(latent: latent, interventions: [(node: 1, values: values)],
                                               classifier: network, threads: 1)
        let three = try scm.interventionGradient(latent: latent, interventions: [(node: 1, values: values)],
                                                 classifier: network, threads: 3)
        #expect(bitIdentical(one.counterfactuals.storage, three.counterfactuals.storage))
        #expect(bitIdentical(one.logits, three.logits) && bitIdentical(one.gradient.storage, three.gradient.storage))
        let tail = Array(1_000..<1_300)
        let alone = try scm.interventionGradient(latent: latent.gatherRows(tail),
                                                 interventions: [(node: 1, values: values.gatherRows(tail))],
                                                 classifier: network)
        #expect(maxAbsDifference(alone.counterfactuals.storage, one.counterfactuals.gatherRows(tail).storage) <= 1e-12)
        #expect(maxAbsDifference(alone.gradient.storage, one.gradient.gatherRows(tail).storage) <= 1e-12)
    }

    @Test("refused: labels of the wrong count or negative, latent of the wrong width or not finite, a classifier of the wrong width")
    func refused() throws {
        let (scm, data) = try DiscreteSearchTests.model(rows: 20, seed: 4)
        let one = [(node: 1, values: Matrix(rows: 1, cols: 1, repeating: 0.5))]
        #expect(throws: CausalFairError.self) { try scm.abduct(data, rowLabels: [0]) }
        #expect(throws: CausalFairError.self) { try scm.abduct(data, rowLabels: Array(repeating: -1, count: 20)) }
        let latent = try scm.abduct(data, rowLabels: Array(0..<20))
        #expect(throws: CausalFairError.self) {
            try scm.interventionGradient(latent: latent, interventions: one, classifier: Self.classifier(inputs: 4))
        }
        #expect(throws: CausalFairError.self) {
            try scm.interventionGradient(latent: latent.gatherColumns([0, 1]), interventions: one,
                                         classifier: Self.classifier(inputs: 3))
        }
        var infinite = latent
        infinite[3, 1] = .infinity
        #expect(throws: CausalFairError.self) {
            try scm.interventionGradient(latent: infinite, interventions: one, classifier: Self.classifier(inputs: 3))
        }
    }
}
