import Testing
@testable import CausalFairCore

/// One mechanism of each conformance, built through the factory from its
/// specification and random parameters, with the sizes the properties run at.
enum MechanismCase: String, CaseIterable, CustomTestStringConvertible {
    case linear, mlpTanh, mlpReLU, additiveExpression, postNonlinearExpression
    /// Gumbel-max mechanisms (DESIGN §4, "Discrete nodes"): a binary node on linear
    /// logits and a 3-level categorical node on MLP logits.
    case gumbelBinaryLinear, gumbelCategoricalMLP

    var testDescription: String { rawValue }

    /// f(a, b) = σ(0.1 a) · b − a² / (1 + b²) + relu(b) + tanh(a) + exp(−b): every
    /// operation of `Expression` with a derivative.
    static func expression() throws -> Expression {
        let program: [Expression.Operation] = [
            .constant(0.1), .input(0), .multiply, .sigmoid, .input(1), .multiply,
            .input(0), .power(2), .constant(1), .input(1), .square, .add, .divide, .subtract,
            .input(1), .relu, .add, .input(0), .tanh, .add, .input(1), .negate, .exp, .add,
        ]
        return try Expression(program: program, inputCount: 2)
    }

    func specification() throws -> MechanismSpecification {
        switch self {
        case .linear, .gumbelBinaryLinear: return .linear(ridge: 0)
        case .gumbelCategoricalMLP:
            return .mlp(hidden: [4], activation: .tanh, epochs: 3, batchSize: 8, learningRate: 0.01)
        case .mlpTanh: return .mlp(hidden: [5, 4], activation: .tanh, epochs: 3, batchSize: 8, learningRate: 0.01)
        case .mlpReLU: return .mlp(hidden: [6], activation: .relu, epochs: 3, batchSize: 8, learningRate: 0.01)
        case .additiveExpression: return .expression(try Self.expression(), outer: .identity)
        case .postNonlinearExpression:
            // outer: −0.5 + σ(t)
            return .expression(try Self.expression(), outer: try OuterFunction(kind: .sigmoid, offset: -0.5, scale: 1))
        }
    }

    var inputs: Int {
        switch self {
        case .linear, .mlpTanh, .mlpReLU, .gumbelBinaryLinear, .gumbelCategoricalMLP: return 3
        case .additiveExpression, .postNonlinearExpression: return 2
        }
    }

    var outputs: Int {
        switch self {
        case .linear, .mlpTanh, .mlpReLU: return 2
        case .additiveExpression, .postNonlinearExpression, .gumbelBinaryLinear: return 1
        case .gumbelCategoricalMLP: return 3
        }
    }

    /// Whether the mechanism is Gumbel-max: abduction samples the noise's posterior,
    /// values are hard codes, and the pullback is the relaxation's (straight-through).
    var isSampling: Bool { self == .gumbelBinaryLinear || self == .gumbelCategoricalMLP }

    /// Values the mechanism can produce for `rows` rows: level codes for a Gumbel-max
    /// mechanism (0/1, or one-hot rows cycling through the levels), N(0, 1) otherwise.
    func values(rows: Int, generator: inout Xoshiro256StarStar) -> Matrix {
        guard isSampling else { return randomMatrix(rows: rows, cols: outputs, generator: &generator) }
        var values = Matrix(rows: rows, cols: outputs)
        for r in 0..<rows { values[r, outputs == 1 ? 0 : r % outputs] = outputs == 1 ? Double(r % 2) : 1 }
        return values
    }

    /// The straight-through surrogate's relaxed value softmax((ℓ(pa) + u)/τ) (binary:
    /// σ((ℓ(pa) + u)/τ)), written out here row by row from the mechanism's logits.
    func relaxedValue(_ mechanism: DiscreteMechanism, parents: Matrix, noise: Matrix) -> Matrix {
        let logits = mechanism.logits(parents)
        let tau = GumbelSoftmax.temperature
        var relaxed = Matrix(rows: noise.rows, cols: noise.cols)
        for r in 0..<noise.rows {
            if noise.cols == 1 {
                relaxed[r, 0] = 1 / (1 + exponential(-(logits[r, 0] + noise[r, 0]) / tau))
                continue
            }
            let scores = (0..<noise.cols).map { k in ((k == 0 ? 0 : logits[r, k - 1]) + noise[r, k]) / tau }
            let total = scores.reduce(0) { $0 + exponential($1) }
            for k in 0..<noise.cols { relaxed[r, k] = exponential(scores[k]) / total }
        }
        return relaxed
    }

    /// Whether the conformance bounds its values (expressions do not).
    var hasBounds: Bool {
        switch self {
        case .linear, .mlpTanh, .mlpReLU: return true
        case .additiveExpression, .postNonlinearExpression, .gumbelBinaryLinear, .gumbelCategoricalMLP: return false
        }
    }

    /// The mechanism with parameters drawn N(0, 0.5²) from `seed`.
    func mechanism(seed: UInt64) throws -> any Mechanism {
        var generator = Xoshiro256StarStar(seed: seed)
        let specification = try specification()
        let count = try specification.parameterCount(inputs: inputs, outputs: outputs, gumbelMax: isSampling)
        let parameters = (0..<count).map { _ in 0.5 * generator.normal() }
        return try #require(try specification.mechanism(inputs: inputs, outputs: outputs, gumbelMax: isSampling,
                                                        parameters: parameters[...]))
    }
}

/// The `Mechanism` contract, checked for every conformance (`MechanismCase`), and
/// what is particular to each conformance.
@Suite("Mechanisms")
struct MechanismTests {
    /// <c, y> summed over the batch.
    static func pairing(_ c: Matrix, _ y: Matrix) -> Double {
        zip(c.storage, y.storage).reduce(0) { $0 + $1.0 * $1.1 }
    }

    @Test("value and abduction are inverse in the noise (a sampled noise reproduces the value exactly); the recorded value is the value bit for bit",
          arguments: MechanismCase.allCases)
    func abductionInvertsValue(_ mechanismCase: MechanismCase) throws {
        let f = try mechanismCase.mechanism(seed: 1)
        var generator = Xoshiro256StarStar(seed: 2)
        let parents = randomMatrix(rows: 9, cols: mechanismCase.inputs, generator: &generator)
        let noise = randomMatrix(rows: 9, cols: mechanismCase.outputs, generator: &generator)
        let value = f.value(parents: parents, noise: noise)
        #expect(value.rows == 9 && value.cols == mechanismCase.outputs)
        let abducted = try f.abduct(parents: parents, value: value, streams: PosteriorStreams(seed: 3))
        if mechanismCase.isSampling {
            // A posterior draw, not the noise itself; hard codes reproduced exactly.
            #expect(value.storage.allSatisfy { $0 == 0 || $0 == 1 })
            #expect(f.value(parents: parents, noise: abducted) == value)
        } else {
            #expect(maxAbsDifference(abducted, noise) < 1e-9)
        }
        #expect(maxAbsDifference(f.value(parents: parents, noise: abducted), value) < 1e-12)
        #expect(bitIdentical(f.recording(parents: parents, noise: noise).value, value))
    }

    @Test("the recorded pullback matches central finite differences in parents and noise (of the relaxed value for Gumbel-max: the straight-through surrogate)",
          arguments: MechanismCase.allCases)
    func pullbackMatchesFiniteDifferences(_ mechanismCase: MechanismCase) throws {
        let f = try mechanismCase.mechanism(seed: 4)
        let (rows, inputs, outputs) = (4, mechanismCase.inputs, mechanismCase.outputs)
        var generator = Xoshiro256StarStar(seed: 5)
        let x = randomMatrix(rows: rows, cols: inputs, generator: &generator)
        let u = randomMatrix(rows: rows, cols: outputs, generator: &generator)
        let c = randomMatrix(rows: rows, cols: outputs, generator: &generator)
        let gradient = f.recording(parents: x, noise: u).tape.pullback(c)
        // The differentiated function: the value, or the relaxed value of a Gumbel-max node.
        let differentiated: (Matrix, Matrix) -> Matrix = { parents, noise in
            guard mechanismCase.isSampling, let discrete = f as? DiscreteMechanism else {
                return f.value(parents: parents, noise: noise)
            }
            return mechanismCase.relaxedValue(discrete, parents: parents, noise: noise)
        }
        let byParents = try finiteDifferenceGradient({ flat in
            Self.pairing(c, differentiated(try Matrix(rows: rows, cols: inputs, storage: flat), u))
        }, at: x.storage)
        let byNoise = try finiteDifferenceGradient({ flat in
            Self.pairing(c, differentiated(x, try Matrix(rows: rows, cols: outputs, storage: flat)))
        }, at: u.storage)
        #expect(allClose(gradient.parents.storage, byParents),
                "largest error \(maxAbsDifference(gradient.parents.storage, byParents))")
        #expect(allClose(gradient.noise.storage, byNoise),
                "largest error \(maxAbsDifference(gradient.noise.storage, byNoise))")
        #expect(norm(gradient.parents.storage) > 1e-3)   // not trivially zero
        // The convenience is the recording's pullback.
        let direct = f.vectorJacobianProduct(parents: x, noise: u, cotangent: c)
        #expect(bitIdentical(direct.parents, gradient.parents) && bitIdentical(direct.noise, gradient.noise))
    }

    @Test("parameters round-trip bit for bit through the factory, in the specification's count",
          arguments: MechanismCase.allCases)
    func parametersRoundTripThroughFactory(_ mechanismCase: MechanismCase) throws {
        let specification = try mechanismCase.specification()
        let (inputs, outputs) = (mechanismCase.inputs, mechanismCase.outputs)
        var generator = Xoshiro256StarStar(seed: 6)
        let x = randomMatrix(rows: 40, cols: inputs, generator: &generator)
        let y = mechanismCase.values(rows: 40, generator: &generator)
        let gumbelMax = mechanismCase.isSampling
        var fitting = Xoshiro256StarStar(seed: 7)
        let fitted = try #require(try specification.fitted(inputs: x, targets: y, droppedInputs: [],
                                                            gumbelMax: gumbelMax, generator: &fitting))
        let count = try specification.parameterCount(inputs: inputs, outputs: outputs, gumbelMax: gumbelMax)
        #expect(fitted.parameters.count == count)
        let rebuilt = try #require(try specification.mechanism(inputs: inputs, outputs: outputs, gumbelMax: gumbelMax,
                                                                parameters: fitted.parameters[...]))
        #expect(bitIdentical(rebuilt.parameters, fitted.parameters))
        let u = randomMatrix(rows: 40, cols: outputs, generator: &generator)
        #expect(bitIdentical(rebuilt.value(parents: x, noise: u), fitted.value(parents: x, noise: u)))
        // A wrong count is an error, never a trap (expressions take none and ignore them).
        if count > 0 {
            #expect(thrownError {
                try specification.mechanism(inputs: inputs, outputs: outputs, gumbelMax: gumbelMax,
                                            parameters: fitted.parameters.dropLast())
            }?.kind == .invalidArgument)
        }
    }

    @Test("bounds contain the value at every sampled point of the parents' and noise's sets",
          arguments: MechanismCase.allCases)
    func boundsContainSampledValues(_ mechanismCase: MechanismCase) throws {
        let f = try mechanismCase.mechanism(seed: 8)
        let (inputs, outputs, sets, dimension) = (mechanismCase.inputs, mechanismCase.outputs, 5, 3)
        var generator = Xoshiro256StarStar(seed: 9)
        // Parents and noise as one set per row, so both are driven by the same ball.
        var joint = AffineBounds(points: randomMatrix(rows: sets, cols: inputs + outputs, generator: &generator),
                                 generatorCount: dimension)
        for i in joint.generators.storage.indices { joint.generators.storage[i] = 0.4 * generator.normal() }
        let parentColumns = Array(0..<inputs), noiseColumns = Array(inputs..<(inputs + outputs))
        let bounds = f.bounds(parents: joint.gatherColumns(parentColumns), noise: joint.gatherColumns(noiseColumns))
        guard mechanismCase.hasBounds else {
            #expect(bounds == nil)
            return
        }
        let image = try #require(bounds)
        let half = image.halfWidths()
        let epsilons = AuditBoundsTests.ballPoints(2_000, dimension: dimension, seed: 10)
        for r in 0..<sets {
            let points = AuditBoundsTests.members(joint, row: r, epsilons)
            let values = f.value(parents: points.gatherColumns(parentColumns), noise: points.gatherColumns(noiseColumns))
            for p in 0..<values.rows {
                for i in 0..<outputs {
                    #expect(abs(values[p, i] - image.centre[r, i]) <= half[r, i], "set \(r), point \(p), output \(i)")
                }
            }
        }
    }

    @Test("posterior streams: one per (node, row, draw), independent of where a batch starts")
    func posteriorStreamsArePerRowAndDraw() {
        func first(_ streams: PosteriorStreams, row: Int) -> UInt64 {
            var generator = streams.generator(row: row)
            return generator.next()
        }
        let whole = PosteriorStreams(seed: 11, draw: 2, drawCount: 4, firstRow: 0, node: 3)
        let chunk = PosteriorStreams(seed: 11, draw: 2, drawCount: 4, firstRow: 100, node: 3)
        #expect(first(chunk, row: 5) == first(whole, row: 105))
        var seen = Set<UInt64>()
        for node in 0..<3 {
            for draw in 0..<4 {
                for row in 0..<50 {
                    seen.insert(first(PosteriorStreams(seed: 11, draw: draw, drawCount: 4, node: node), row: row))
                }
            }
        }
        #expect(seen.count == 3 * 4 * 50)
        #expect(first(whole.forNode(4), row: 0) != first(whole, row: 0))
    }

    @Test("linear: f(x) = x W + b, its pullback is (c Wᵀ, c), parameters are W row-major then b")
    func linearClosedForm() throws {
        var generator = Xoshiro256StarStar(seed: 62)
        let parameters = (0..<(4 * 3 + 3)).map { _ in generator.normal() }
        let f = try LinearMechanism(inputs: 4, outputs: 3, parameters: parameters[...])
        let x = randomMatrix(rows: 5, cols: 4, generator: &generator)
        let u = randomMatrix(rows: 5, cols: 3, generator: &generator)
        let c = randomMatrix(rows: 5, cols: 3, generator: &generator)
        let gradient = f.vectorJacobianProduct(parents: x, noise: u, cotangent: c)
        #expect(maxAbsDifference(gradient.parents, naiveMultiply(c, f.weights, transposeA: false, transposeB: true)) < 1e-12)
        #expect(gradient.noise == c)
        var expected = naiveMultiply(x, f.weights, transposeA: false, transposeB: false)
        expected.addRowVector(f.bias)
        #expect(maxAbsDifference(f(x), expected) < 1e-12)
        #expect(f.parameters == parameters)
        #expect(Array(f.weights.storage) == Array(parameters[0..<12]) && f.bias == Array(parameters[12...]))
    }

    @Test("MLP: the noise's cotangent is the value's (additive noise)")
    func mlpNoiseCotangentIsIdentity() throws {
        let f = try MechanismCase.mlpTanh.mechanism(seed: 63)
        var generator = Xoshiro256StarStar(seed: 64)
        let c = randomMatrix(rows: 3, cols: 2, generator: &generator)
        let gradient = f.vectorJacobianProduct(parents: randomMatrix(rows: 3, cols: 3, generator: &generator),
                                               noise: randomMatrix(rows: 3, cols: 2, generator: &generator), cotangent: c)
        #expect(gradient.noise == c)
    }

    @Test("expression: a value outside the outer function's range is an error, not a NaN")
    func expressionAbductionRefusesValuesOutsideRange() throws {
        let f = try MechanismCase.postNonlinearExpression.mechanism(seed: 65)
        var generator = Xoshiro256StarStar(seed: 66)
        let x = randomMatrix(rows: 4, cols: 2, generator: &generator)
        // −0.5 + σ(t) lies in (−0.5, 0.5).
        #expect(thrownError {
            try f.abduct(parents: x, value: Matrix(rows: 4, cols: 1, repeating: 0.7), streams: PosteriorStreams(seed: 0))
        }?.kind == .invalidArgument)
    }
}

@Suite("Mechanisms: which specifications are affine")
struct MechanismAffinityTests {
    /// The program of `text`-like expressions over inputs 0 (S) and 1 (A).
    static func expression(_ program: [Expression.Operation]) throws -> Expression {
        try Expression(program: program, inputCount: 2)
    }

    @Test("affine programs: sums, differences, products and quotients with constants, functions of constants")
    func affinePrograms() throws {
        let programs: [[Expression.Operation]] = [
            [.input(0), .constant(2), .multiply, .input(1), .subtract],          // 2S − A
            [.input(1), .negate, .constant(4), .divide],                         // −A / 4
            [.constant(0.5), .sigmoid, .input(1), .multiply],                    // σ(0.5)·A
            [.input(1), .power(1), .input(0), .constant(3), .power(0), .multiply, .add],  // A¹ + S·3⁰
        ]
        for program in programs {
            let e = try Self.expression(program)
            #expect(e.isAffine, "\(program)")
            #expect(MechanismSpecification.expression(e, outer: .identity).isAffine)
        }
    }

    @Test("non-affine programs: products of inputs, non-linear functions of inputs, division by an input")
    func nonAffinePrograms() throws {
        let programs: [[Expression.Operation]] = [
            [.input(0), .input(1), .multiply],                                   // S·A (twin-dependent slope)
            [.input(1), .constant(2), .multiply, .tanh],                         // tanh(2A)
            [.input(1), .square],                                                // A²
            [.constant(1), .input(1), .divide],                                  // 1/A
            [.input(1), .power(3)],                                              // A³
        ]
        for program in programs {
            #expect(!(try Self.expression(program)).isAffine, "\(program)")
        }
        let affine = try Self.expression([.input(1)])
        #expect(!MechanismSpecification.expression(affine, outer: try OuterFunction(kind: .tanh, offset: 0, scale: 1)).isAffine)
    }

    @Test("roots and linear mechanisms are affine, MLPs are not; only MLPs have hidden widths")
    func kinds() {
        #expect(MechanismSpecification.root.isAffine)
        #expect(MechanismSpecification.linear(ridge: 0).isAffine)
        let mlp = MechanismSpecification.mlp(hidden: [7, 3], activation: .tanh, epochs: 1, batchSize: 4, learningRate: 0.01)
        #expect(!mlp.isAffine)
        #expect(mlp.hiddenWidths == [7, 3])
        #expect(MechanismSpecification.linear(ridge: 0).hiddenWidths.isEmpty)
    }
}
