import Testing
@testable import CausalFairCore

/// Hand-written gradients against central finite differences (h = 1e-6).
@Suite("Gradients")
struct GradientTests {
    /// <c, f(x)> summed over the batch.
    static func pairing(_ c: Matrix, _ y: Matrix) -> Double {
        zip(c.storage, y.storage).reduce(0) { $0 + $1.0 * $1.1 }
    }

    @Test("MLP backwardPass parameter and input gradients match finite differences",
          arguments: [Activation.tanh, .relu])
    func mlpBackwardPass(activation: Activation) throws {
        var generator = Xoshiro256StarStar(seed: 61)
        let network = MultilayerPerceptron(widths: [3, 6, 5, 2], activation: activation, generator: &generator)
        let x = randomMatrix(rows: 4, cols: 3, generator: &generator)
        let c = randomMatrix(rows: 4, cols: 2, generator: &generator)
        let (parameterGradient, inputGradient) = network.backwardPass(network.forwardPass(x), outputGradient: c)
        #expect(parameterGradient.count == MultilayerPerceptron.parameterCount(widths: [3, 6, 5, 2]))
        #expect(inputGradient.rows == 4 && inputGradient.cols == 3)

        let numericParameters = try finiteDifferenceGradient({ p in
            Self.pairing(c, try MultilayerPerceptron(widths: network.widths, activation: activation, parameters: p)(x))
        }, at: network.parameters)
        #expect(allClose(parameterGradient, numericParameters),
                "largest error \(maxAbsDifference(parameterGradient, numericParameters))")

        let numericInput = try finiteDifferenceGradient({ flat in
            Self.pairing(c, network(try Matrix(rows: 4, cols: 3, storage: flat)))
        }, at: x.storage)
        #expect(allClose(inputGradient.storage, numericInput),
                "largest error \(maxAbsDifference(inputGradient.storage, numericInput))")
        // The gradient is not trivially zero.
        #expect(norm(parameterGradient) > 1e-3 && norm(inputGradient.storage) > 1e-3)
    }

    @Test("the MLP forward pass is the documented affine-activation composition")
    func mlpForwardByHand() throws {
        // widths [2, 2, 1]: W1 (2x2) row-major, b1, W2 (2x1), b2.
        let parameters: [Double] = [1, -1, 0.5, 2, 0.1, -0.2, 3, -4, 0.7]
        let network = try MultilayerPerceptron(widths: [2, 2, 1], activation: .tanh, parameters: parameters)
        let x: [Double] = [0.3, -0.6]
        let h0 = hyperbolicTangent(x[0] * 1 + x[1] * 0.5 + 0.1)
        let h1 = hyperbolicTangent(x[0] * -1 + x[1] * 2 - 0.2)
        let expected = 3 * h0 - 4 * h1 + 0.7
        let output = network(matrix([x]))
        #expect(abs(output[0, 0] - expected) < 1e-14)
        let relu = try MultilayerPerceptron(widths: [2, 2, 1], activation: .relu, parameters: parameters)
        let r0 = max(0, x[0] * 1 + x[1] * 0.5 + 0.1), r1 = max(0, x[0] * -1 + x[1] * 2 - 0.2)
        #expect(abs(relu(matrix([x]))[0, 0] - (3 * r0 - 4 * r1 + 0.7)) < 1e-14)
    }

    /// Checks phiInverseVJP against finite differences of <c, phiInverse(z)> for every
    /// coordinate of every row (rows are independent, so one column is perturbed in
    /// all rows at once and each row's own difference read off).
    static func checkPhiInverseVJP(_ model: StructuralCausalModel, z: Matrix, c: Matrix,
                                   h: Double = 1e-6) throws -> (analytic: Matrix, numeric: Matrix) {
        let analytic = try model.phiInverseVJP(z, cotangent: c)
        var numeric = Matrix(rows: z.rows, cols: z.cols)
        for j in 0..<z.cols {
            var up = z, down = z
            for r in 0..<z.rows {
                up[r, j] += h
                down[r, j] -= h
            }
            let fUp = try model.phiInverse(up), fDown = try model.phiInverse(down)
            for r in 0..<z.rows {
                var difference = 0.0
                for k in 0..<z.cols { difference += c[r, k] * (fUp[r, k] - fDown[r, k]) }
                numeric[r, j] = difference / (2 * h)
            }
        }
        return (analytic, numeric)
    }

    @Test("phiInverseVJP matches finite differences for a linear SCM, and is constant")
    func phiInverseVJPLinear() throws {
        let (model, data) = try LinearReference.fitted()
        var generator = Xoshiro256StarStar(seed: 64)
        let z = try model.phi(data.gatherRows(Array(0..<6)))
        let c = randomMatrix(rows: 6, cols: 4, generator: &generator)
        let (analytic, numeric) = try Self.checkPhiInverseVJP(model, z: z, c: c)
        #expect(allClose(analytic.storage, numeric.storage), "\(analytic.storage) vs \(numeric.storage)")
        // Closed form for the linear SCM (S held fixed, so it receives only its own cotangent
        // plus the paths through its children): dX2/dU2 = 1, dX2/dU1 = w21, dX2/dA = w2A + 0.
        let x1 = try #require(linearMechanism(model, 2))
        let x2 = try #require(linearMechanism(model, 3))
        for r in 0..<6 {
            let gS = c[r, 0] + c[r, 2] * x1.weights[0, 0]
                + c[r, 3] * (x2.weights[0, 0] + x2.weights[1, 0] * x1.weights[0, 0])
            let gA = c[r, 1] + c[r, 3] * x2.weights[2, 0]
            let g1 = c[r, 2] + c[r, 3] * x2.weights[1, 0]
            let g2 = c[r, 3]
            #expect(maxAbsDifference(row(analytic, r), [gS, gA, g1, g2]) < 1e-12)
        }
        // Constant in z for a linear SCM.
        let other = try model.phiInverseVJP(z.gatherRows([5, 4, 3, 2, 1, 0]), cotangent: c)
        #expect(maxAbsDifference(other, analytic) < 1e-12)
    }

    @Test("phiInverseVJP matches finite differences for an SCM with MLP mechanisms and categorical nodes")
    func phiInverseVJPMLP() throws {
        let (model, data) = try NonlinearReference.fitted()
        var generator = Xoshiro256StarStar(seed: 65)
        let z = try model.phi(data.gatherRows(Array(0..<8)))
        let c = randomMatrix(rows: 8, cols: NonlinearReference.columns, generator: &generator)
        let (analytic, numeric) = try Self.checkPhiInverseVJP(model, z: z, c: c)
        #expect(allClose(analytic.storage, numeric.storage),
                "largest error \(maxAbsDifference(analytic, numeric))")
        // Non-trivial: the gradient reaching A's latent differs from its own cotangent.
        #expect(column(analytic, 3) != column(c, 3))
    }

    @Test("phiInverseVJP matches finite differences with a sensitive node that has parents")
    func phiInverseVJPSensitiveChild() throws {
        let mechanism = MechanismSpecification.mlp(hidden: [5], activation: .tanh, epochs: 2, batchSize: 16,
                                                   learningRate: 0.01)
        let nodes = [
            NodeSpecification(kind: .continuous),
            NodeSpecification(kind: .binary, parents: [0], isSensitive: true, mechanism: mechanism),
            NodeSpecification(kind: .continuous, parents: [0, 1], mechanism: mechanism),
        ]
        var model = try StructuralCausalModel(nodes: nodes)
        var generator = Xoshiro256StarStar(seed: 66)
        var data = Matrix(rows: 200, cols: 3)
        for r in 0..<200 {
            data[r, 0] = generator.normal()
            data[r, 1] = generator.bernoulli(0.5)
            data[r, 2] = data[r, 0] * data[r, 1] + generator.normal()
        }
        try model.fit(data, seed: 2)
        let z = try model.phi(data.gatherRows(Array(0..<5)))
        let c = randomMatrix(rows: 5, cols: 3, generator: &generator)
        let (analytic, numeric) = try Self.checkPhiInverseVJP(model, z: z, c: c)
        #expect(allClose(analytic.storage, numeric.storage),
                "largest error \(maxAbsDifference(analytic, numeric))")
    }

    @Test("phiInverseVJP rejects a cotangent of the wrong shape")
    func phiInverseVJPShapes() throws {
        let (model, data) = try LinearReference.fitted()
        let z = try model.phi(data.gatherRows([0, 1]))
        #expect(thrownError { try model.phiInverseVJP(z, cotangent: Matrix(rows: 3, cols: 4)) }?.kind == .invalidArgument)
        #expect(thrownError { try model.phiInverseVJP(z, cotangent: Matrix(rows: 2, cols: 3)) }?.kind == .invalidArgument)
    }
}
