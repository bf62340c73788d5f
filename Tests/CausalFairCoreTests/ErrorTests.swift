import Testing
@testable import CausalFairCore

/// Bad input is thrown as a `CausalFairError` of the right case, never a trap.
@Suite("Errors")
struct ErrorTests {
    typealias L = LinearReference

    static func fitError(_ nodes: [NodeSpecification], _ data: Matrix) -> CausalFairError? {
        thrownError {
            var model = try StructuralCausalModel(nodes: nodes)
            try model.fit(data, seed: 1)
        }
    }

    @Test("specifications: categorical with < 2 levels, continuous sensitive, mechanism mismatches, bad settings")
    func badSpecifications() {
        let bad: [[NodeSpecification]] = [
            [NodeSpecification(kind: .categorical(levels: 1))],
            [NodeSpecification(kind: .categorical(levels: 0))],
            [NodeSpecification(kind: .continuous, isSensitive: true)],
            [NodeSpecification(kind: .continuous, mechanism: .linear(ridge: 0))],
            [NodeSpecification(kind: .continuous), NodeSpecification(kind: .continuous, parents: [0])],
            [NodeSpecification(kind: .continuous),
             NodeSpecification(kind: .continuous, parents: [0], mechanism: .linear(ridge: -1))],
            [NodeSpecification(kind: .continuous),
             NodeSpecification(kind: .continuous, parents: [0], mechanism: .linear(ridge: .nan))],
            [NodeSpecification(kind: .continuous),
             NodeSpecification(kind: .continuous, parents: [0],
                               mechanism: .mlp(hidden: [], activation: .tanh, epochs: 1, batchSize: 1, learningRate: 0.1))],
            [NodeSpecification(kind: .continuous),
             NodeSpecification(kind: .continuous, parents: [0],
                               mechanism: .mlp(hidden: [4], activation: .tanh, epochs: 1, batchSize: 0, learningRate: 0.1))],
            [NodeSpecification(kind: .continuous),
             NodeSpecification(kind: .continuous, parents: [0],
                               mechanism: .mlp(hidden: [4], activation: .tanh, epochs: 1, batchSize: 8, learningRate: 0))],
            [NodeSpecification(kind: .continuous, noise: .normal(loc: 0, scale: -1))],
            [NodeSpecification(kind: .continuous, noise: .gamma(shape: 0, scale: 1, loc: 0))],
            [NodeSpecification(kind: .binary, noise: .bernoulli(p: 1.5))],
            [NodeSpecification(kind: .categorical(levels: 3), noise: .bernoulli(p: 0.5))],
        ]
        for (i, nodes) in bad.enumerated() {
            #expect(thrownError { try StructuralCausalModel(nodes: nodes) }?.kind == .invalidArgument, "case \(i)")
        }
        let error = thrownError { try StructuralCausalModel(nodes: [NodeSpecification(kind: .continuous, isSensitive: true)]) }
        #expect(error?.message.contains("sensitive") == true)
    }

    @Test("fit: a constant continuous column is invalidArgument")
    func constantColumn() {
        var data = L.sample(rows: 50, seed: 91).data
        for r in 0..<50 { data[r, L.a] = 2 }
        let error = Self.fitError(L.nodes(), data)
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("node 1") == true)
    }

    @Test("NaN or infinity in the data is invalidArgument for every entry point", arguments: [Double.nan, .infinity])
    func nonFiniteData(value: Double) throws {
        let (model, data) = try L.fitted(rows: 200)
        var bad = data.gatherRows([0, 1, 2])
        bad[1, L.x2] = value
        #expect(Self.fitError(L.nodes(), bad)?.kind == .invalidArgument)
        #expect(thrownError { try model.abduct(bad) }?.kind == .invalidArgument)
        #expect(thrownError { try model.twins(bad) }?.kind == .invalidArgument)
        #expect(thrownError { try model.phi(bad) }?.kind == .invalidArgument)
        #expect(thrownError { try model.phiInverse(bad) }?.kind == .invalidArgument)
        #expect(thrownError { try model.metric(bad, bad) }?.kind == .invalidArgument)
        #expect(thrownError { try model.counterfactual(bad, interventions: []) }?.kind == .invalidArgument)
        #expect(thrownError {
            try model.perturbationBall(bad, radius: 1, samples: 1, factualOnly: false, seed: 1)
        }?.kind == .invalidArgument)
        let z = try model.phi(data.gatherRows([0, 1, 2]))
        #expect(thrownError { try model.phiInverseVJP(z, cotangent: bad) }?.kind == .invalidArgument)
    }

    @Test("empty input (0 rows) is invalidArgument for fit, abduct, twins and the ball")
    func emptyInput() throws {
        let (model, _) = try L.fitted(rows: 200)
        let empty = Matrix(rows: 0, cols: 4)
        #expect(Self.fitError(L.nodes(), empty)?.kind == .invalidArgument)
        #expect(thrownError { try model.abduct(empty) }?.kind == .invalidArgument)
        #expect(thrownError { try model.twins(empty) }?.kind == .invalidArgument)
        #expect(thrownError { try model.phi(empty) }?.kind == .invalidArgument)
        #expect(thrownError { try model.factualLevels(empty) }?.kind == .invalidArgument)
        #expect(thrownError {
            try model.perturbationBall(empty, radius: 1, samples: 1, factualOnly: true, seed: 1)
        }?.kind == .invalidArgument)
    }

    @Test("a wrong column count is invalidArgument")
    func wrongColumns() throws {
        let (model, data) = try L.fitted(rows: 200)
        for columns in [[0, 1, 2], [0, 1, 2, 3, 3]] {
            let bad = data.gatherColumns(columns)
            #expect(Self.fitError(L.nodes(), bad)?.kind == .invalidArgument)
            #expect(thrownError { try model.abduct(bad) }?.kind == .invalidArgument)
            #expect(thrownError { try model.twins(bad) }?.kind == .invalidArgument)
            #expect(thrownError { try model.phiInverse(bad) }?.kind == .invalidArgument)
            #expect(thrownError { try model.factualLevels(bad) }?.kind == .invalidArgument)
            #expect(thrownError { try model.counterfactual(bad, interventions: []) }?.kind == .invalidArgument)
        }
    }

    @Test("a model whose twin level count overflows is rejected with tooLarge, not trapped later")
    func twinLevelCountOverflow() {
        // 64 binary sensitive nodes have 2^64 twin levels: more than Int can hold, so
        // `twinLevelCount` (read by cf_scm_info, twins and the ball) must never be
        // computed for such a model. The initialiser has to refuse it.
        let nodes = (0..<64).map { _ in NodeSpecification(kind: .binary, isSensitive: true) }
        #expect(thrownError { try StructuralCausalModel(nodes: nodes) }?.kind == .tooLarge)
        // Four sensitive categorical nodes of 100000 levels (the C ABI's width limit): 10^20 levels.
        let wide = (0..<4).map { _ in NodeSpecification(kind: .categorical(levels: 100_000), isSensitive: true) }
        #expect(thrownError { try StructuralCausalModel(nodes: wide) }?.kind == .tooLarge)
        // Up to maximumTwinLevels is fine at init; 2^20 is one step too many.
        let many = (0..<19).map { _ in NodeSpecification(kind: .binary, isSensitive: true) }
        #expect(thrownError { try StructuralCausalModel(nodes: many) } == nil)
        let tooMany = (0..<20).map { _ in NodeSpecification(kind: .binary, isSensitive: true) }
        #expect(thrownError { try StructuralCausalModel(nodes: tooMany) }?.kind == .tooLarge)
    }

    @Test("a model whose MLP would need more than maximumElementCount parameters is rejected with tooLarge")
    func mlpParameterCountTooLarge() {
        // Each hidden size is within the allowed 1...100000, but three such layers need
        // 2 * 10^10 parameters (160 GB): fitting would trap on allocation, so the model
        // must be refused before any work (checked at init, not by calling fit here).
        let mechanism = MechanismSpecification.mlp(hidden: [100_000, 100_000, 100_000], activation: .tanh,
                                                   epochs: 1, batchSize: 8, learningRate: 0.01)
        let nodes = [
            NodeSpecification(kind: .continuous),
            NodeSpecification(kind: .continuous, parents: [0], mechanism: mechanism),
        ]
        #expect(thrownError { try StructuralCausalModel(nodes: nodes) }?.kind == .tooLarge)
    }

    @Test("a model with 64 binary sensitive nodes never traps (run in a child process)")
    func twinLevelCountDoesNotTrap() async {
        await #expect(processExitsWith: .success) {
            let nodes = (0..<64).map { _ in NodeSpecification(kind: .binary, isSensitive: true) }
            guard let model = try? StructuralCausalModel(nodes: nodes) else { return }
            _ = model.twinLevelCount
        }
    }

    @Test("an unfitted model is a computation error")
    func unfitted() throws {
        let model = try L.model()
        let data = L.sample(rows: 10, seed: 92).data
        #expect(!model.isFitted)
        for (name, call) in [
            ("abduct", { _ = try model.abduct(data) }),
            ("twins", { _ = try model.twins(data) }),
            ("phi", { _ = try model.phi(data) }),
            ("phiInverse", { _ = try model.phiInverse(data) }),
            ("propagate", { _ = try model.propagate(data) }),
            ("counterfactual", { _ = try model.counterfactual(data, interventions: []) }),
            ("sample", { _ = try model.sample(count: 5, interventions: [], seed: 1) }),
            ("metric", { _ = try model.metric(data, data) }),
            ("ball", { _ = try model.perturbationBall(data, radius: 1, samples: 1, factualOnly: false, seed: 1) }),
            ("vjp", { _ = try model.phiInverseVJP(data, cotangent: data) }),
        ] as [(String, () throws -> Void)] {
            let error = thrownError(call)
            #expect(error?.kind == .computation, "\(name)")
            #expect(error?.message.contains("not fitted") == true, "\(name)")
        }
    }

    @Test("a sensitive node observed at only one level is invalidArgument")
    func sensitiveOneLevel() {
        var data = L.sample(rows: 100, seed: 93).data
        for r in 0..<100 { data[r, L.s] = 1 }
        let error = Self.fitError(L.nodes(), data)
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("one level") == true)
        var categorical = CategoricalReference.sample(rows: 100, seed: 94)
        for r in 0..<100 { for c in 0..<8 { categorical[r, c] = c == 3 ? 1 : 0 } }
        #expect(Self.fitError(CategoricalReference.nodes(), categorical)?.kind == .invalidArgument)
    }

    @Test("a binary column coded 2 or 0.5 is invalidArgument", arguments: [2.0, 0.5, -1.0])
    func binaryCoding(value: Double) {
        var data = L.sample(rows: 100, seed: 95).data
        data[7, L.s] = value
        let error = Self.fitError(L.nodes(), data)
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("row 7") == true)
    }

    @Test("a categorical row that is not one-hot is invalidArgument",
          arguments: [[0.0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0, 0], [0.5, 0.5, 0, 0, 0, 0, 0, 0],
                      [2, -1, 0, 0, 0, 0, 0, 0]])
    func categoricalNotOneHot(code: [Double]) {
        var data = CategoricalReference.sample(rows: 100, seed: 96)
        for c in 0..<8 { data[4, c] = code[c] }
        let error = Self.fitError(CategoricalReference.nodes(), data)
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("one-hot") == true)
    }

    @Test("collinear or constant parents in a linear fit are a computation error")
    func collinearParents() {
        // Z = 2 X exactly; Y depends on both.
        let nodes = [
            NodeSpecification(kind: .continuous),
            NodeSpecification(kind: .continuous),
            NodeSpecification(kind: .continuous, parents: [0, 1], mechanism: .linear(ridge: 0)),
        ]
        var generator = Xoshiro256StarStar(seed: 97)
        var data = Matrix(rows: 100, cols: 3)
        for r in 0..<100 {
            data[r, 0] = generator.normal()
            data[r, 1] = 2 * data[r, 0]
            data[r, 2] = data[r, 0] + generator.normal()
        }
        let error = Self.fitError(nodes, data)
        #expect(error?.kind == .computation)
        #expect(error?.message.contains("node 2") == true)
        // With a ridge the same fit succeeds.
        var ridged = nodes
        ridged[2].mechanism = .linear(ridge: 1e-3)
        #expect(Self.fitError(ridged, data) == nil)
        // A constant binary parent is collinear with the intercept.
        let binaryNodes = [
            NodeSpecification(kind: .binary),
            NodeSpecification(kind: .continuous, parents: [0], mechanism: .linear(ridge: 0)),
        ]
        let constant = matrix((0..<20).map { [1, Double($0)] })
        #expect(Self.fitError(binaryNodes, constant)?.kind == .computation)
    }

    @Test("the ball rejects a negative radius and zero samples; sample rejects count 0")
    func countsAndRadius() throws {
        let (model, data) = try L.fitted(rows: 200)
        let subset = data.gatherRows([0])
        #expect(thrownError {
            try model.perturbationBall(subset, radius: -1, samples: 5, factualOnly: false, seed: 1)
        }?.kind == .invalidArgument)
        #expect(thrownError {
            try model.perturbationBall(subset, radius: 1, samples: 0, factualOnly: false, seed: 1)
        }?.kind == .invalidArgument)
        for count in [0, -1] {
            #expect(thrownError { try model.sample(count: count, interventions: [], seed: 1) }?.kind
                    == .invalidArgument, "count \(count)")
        }
        #expect(thrownError { try model.sample(count: 1 << 40, interventions: [], seed: 1) }?.kind == .tooLarge)
    }

    @Test("interventions on an unknown node, of the wrong width or rows, non-finite, or repeated are rejected")
    func badInterventions() throws {
        let (model, data) = try L.fitted(rows: 200)
        let subset = data.gatherRows([0, 1, 2])
        let cases: [(String, [(node: Int, values: Matrix)], ErrorKind)] = [
            ("unknown 4", [(node: 4, values: matrix([[1]]))], .unknownNode),
            ("unknown -1", [(node: -1, values: matrix([[1]]))], .unknownNode),
            ("width", [(node: 1, values: matrix([[1, 2]]))], .invalidArgument),
            ("rows", [(node: 1, values: matrix([[1], [2]]))], .invalidArgument),
            ("NaN", [(node: 1, values: matrix([[.nan]]))], .invalidArgument),
            ("infinity", [(node: 1, values: matrix([[-.infinity]]))], .invalidArgument),
            ("twice", [(node: 1, values: matrix([[1]])), (node: 1, values: matrix([[2]]))], .invalidArgument),
        ]
        for (name, interventions, kind) in cases {
            #expect(thrownError { try model.counterfactual(subset, interventions: interventions) }?.kind == kind,
                    "counterfactual: \(name)")
            #expect(thrownError { try model.sample(count: 3, interventions: interventions, seed: 1) }?.kind == kind,
                    "sample: \(name)")
        }
    }
}
