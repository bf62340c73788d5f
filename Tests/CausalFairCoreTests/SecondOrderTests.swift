import Testing
@testable import CausalFairCore

/// Input gradients of scalar networks and their parameter gradients (double
/// backward), against central finite differences.
@Suite("Second-order gradients")
struct SecondOrderTests {
    /// Architectures: logistic regression, one and two hidden layers.
    static let architectures: [[Int]] = [[4, 1], [4, 6, 1], [4, 6, 5, 1]]

    /// Σ_r ⟨ρ_r, ∇ₓg(x_r)⟩ + c_r g(x_r) for `model`, the input gradient by the engine.
    static func pairing(_ model: MultilayerPerceptron, _ x: Matrix, rho: Matrix, c: [Double]?) -> Double {
        let layers = model.forwardPass(x)
        let gradient = model.inputGradientPass(layers).gradient
        var total = zip(rho.storage, gradient.storage).reduce(0) { $0 + $1.0 * $1.1 }
        if let c { total += zip(c, layers[layers.count - 1].storage).reduce(0) { $0 + $1.0 * $1.1 } }
        return total
    }

    @Test("logitInputGradient (one backward pass) is inputGradientPass's gradient bit for bit",
          arguments: [Activation.tanh, .relu], architectures)
    func plainBackwardIsThePass(activation: Activation, widths: [Int]) throws {
        let model = try trainingNetwork(widths, activation, seed: 7 + UInt64(widths.count))
        var generator = Xoshiro256StarStar(seed: 8)
        let layers = model.forwardPass(randomMatrix(rows: 300, cols: widths[0], generator: &generator))
        #expect(bitIdentical(model.logitInputGradient(layers).storage, model.inputGradientPass(layers).gradient.storage))
    }

    @Test("inputGradientPass matches finite differences of g in x",
          arguments: [Activation.tanh, .relu], architectures)
    func inputGradient(activation: Activation, widths: [Int]) throws {
        let model = try trainingNetwork(widths, activation, seed: 101 + UInt64(widths.count))
        var generator = Xoshiro256StarStar(seed: 102)
        let x = randomMatrix(rows: 5, cols: widths[0], generator: &generator)
        // ReLU is differentiable here: no pre-activation within 1e3 h of its kink.
        #expect(trainingSmallestPreActivation(model, x) > 1e-3)
        let pass = model.inputGradientPass(model.forwardPass(x))
        #expect(pass.gradient.rows == 5 && pass.gradient.cols == widths[0])
        for r in 0..<x.rows {
            let numeric = try finiteDifferenceGradient({ point in
                model(try Matrix(rows: 1, cols: widths[0], storage: point))[0, 0]
            }, at: row(x, r))
            let analytic = row(pass.gradient, r)
            #expect(trainingClose(analytic, numeric, relative: 1e-5, absolute: 1e-8),
                    "row \(r): \(analytic) vs \(numeric)")
            #expect(norm(analytic) > 1e-3)
        }
    }

    @Test("the input gradient of a linear model is its weight vector, for every row")
    func linearInputGradient() throws {
        let model = try MultilayerPerceptron(widths: [3, 1], activation: .tanh, parameters: [0.5, -2, 3, 0.25])
        var generator = Xoshiro256StarStar(seed: 103)
        let x = randomMatrix(rows: 4, cols: 3, generator: &generator)
        let gradient = model.inputGradientPass(model.forwardPass(x)).gradient
        for r in 0..<4 { #expect(row(gradient, r) == [0.5, -2, 3]) }
    }

    @Test("secondOrderParameterGradient matches finite differences of Σ⟨ρ, ∇ₓg⟩ + c·g in the parameters",
          arguments: [(Activation.tanh, [4, 6, 1]), (.tanh, [4, 6, 5, 1]), (.tanh, [4, 1]), (.relu, [4, 1]),
                      (.relu, [4, 6, 1]), (.relu, [4, 6, 5, 1])])
    func secondOrder(activation: Activation, widths: [Int]) throws {
        let model = try trainingNetwork(widths, activation, seed: 111 + UInt64(widths.count))
        var generator = Xoshiro256StarStar(seed: 112)
        let rows = 5
        let x = randomMatrix(rows: rows, cols: widths[0], generator: &generator)
        let rho = randomMatrix(rows: rows, cols: widths[0], generator: &generator)
        let c = (0..<rows).map { _ in generator.normal() }
        // Away from ReLU kinks by far more than the finite-difference step moves them.
        #expect(trainingSmallestPreActivation(model, x) > 1e-3)

        for outputGradient in [c, nil] as [[Double]?] {
            let analytic = model.secondOrderParameterGradient(
                model.forwardPass(x), inputGradientCotangent: rho,
                outputGradient: outputGradient.map { try! Matrix(rows: rows, cols: 1, storage: $0) })
            let numeric = try finiteDifferenceGradient({ p in
                Self.pairing(try trainingWithParameters(model, p), x, rho: rho, c: outputGradient)
            }, at: model.parameters)
            #expect(analytic.count == model.parameters.count)
            #expect(trainingClose(analytic, numeric, relative: 1e-5, absolute: 1e-7),
                    "\(widths) \(activation) c: \(outputGradient != nil): worst ratio \(trainingWorstRatio(analytic, numeric))")
            #expect(norm(analytic) > 1e-3)
        }
    }

    @Test("for tanh the second-order terms are not negligible: dropping σ'' would fail the check")
    func secondDerivativeMatters() throws {
        // The same check as above, but against the first-order part only (treating
        // σ'(z) as a constant): the two must differ, so the test above can fail.
        let model = try trainingNetwork([4, 6, 1], .tanh, seed: 121, scale: 1.2)
        var generator = Xoshiro256StarStar(seed: 122)
        let x = randomMatrix(rows: 5, cols: 4, generator: &generator)
        let rho = randomMatrix(rows: 5, cols: 4, generator: &generator)
        let layers = model.forwardPass(x)
        let full = model.secondOrderParameterGradient(layers, inputGradientCotangent: rho, outputGradient: nil)
        // First-layer weights' gradient with σ' frozen: ∂/∂W1[i,j] Σ_r ρ_ri Σ_k W1[i,k] σ'(z_rk) W2[k]
        //   = Σ_r ρ_ri σ'(z_rj) W2[j].
        let hidden = 6
        let w2Offset = (4 + 1) * hidden
        var frozen = [Double](repeating: 0, count: 4 * hidden)
        for r in 0..<5 {
            for i in 0..<4 {
                for j in 0..<hidden {
                    let a = layers[1][r, j]
                    frozen[i * hidden + j] += rho[r, i] * (1 - a * a) * model.parameters[w2Offset + j]
                }
            }
        }
        let difference = maxAbsDifference(Array(full[0..<(4 * hidden)]), frozen)
        #expect(difference > 1e-2, "the σ'' contribution is \(difference)")
    }

    @Test("Activation.secondDerivative is the derivative of σ' for tanh and zero for relu")
    func activationSecondDerivative() {
        for z in [-1.7, -0.3, 0.2, 0.9, 2.4] {
            let a = hyperbolicTangent(z)
            let h = 1e-6
            let up = 1 - hyperbolicTangent(z + h) * hyperbolicTangent(z + h)
            let down = 1 - hyperbolicTangent(z - h) * hyperbolicTangent(z - h)
            let numeric = (up - down) / (2 * h)
            #expect(abs(Activation.tanh.secondDerivative(output: a) - numeric) < 1e-8)
            #expect(Activation.relu.secondDerivative(output: max(z, 0)) == 0)
        }
    }
}
