import Testing
@testable import CausalFairCore

@Suite("Model: input limit")
struct InputLimitTests {
    let ceiling = Double.greatestFiniteMagnitude / 4

    @Test("logistic regression: (max/4 − |b|) / Σ|w|, and aligned inputs overflow at 4.5 times it")
    func logistic() throws {
        let model = try MultilayerPerceptron(widths: [3, 1], activation: .tanh, parameters: [2, -1, 0.5, 0.25])
        #expect(model.inputLimit == (ceiling - 0.25) / 3.5)
        func aligned(_ scale: Double) throws -> Matrix { try Matrix(rows: 1, cols: 3, storage: [scale, -scale, scale]) }
        #expect(model(try aligned(model.inputLimit)).storage.allSatisfy(\.isFinite))
        #expect(!model(try aligned(4.5 * model.inputLimit)).storage.allSatisfy(\.isFinite))
    }

    @Test("a tanh hidden layer bounds everything after it: only the first layer limits the inputs")
    func tanhResets() throws {
        // 2 -> 2 (tanh) -> 1; first layer |W| column sums 3 and 5, biases 1 and 2.
        let parameters: [Double] = [1, -4, 2, 1, 1, -2, 1e300, 1e300, 7]
        let model = try MultilayerPerceptron(widths: [2, 2, 1], activation: .tanh, parameters: parameters)
        #expect(model.inputLimit == min((ceiling - 1) / 3, (ceiling - 2) / 5))
    }

    @Test("ReLU carries the bound through: growth and offset multiply by the next layer's |W|")
    func reluCarries() throws {
        // 2 -> 2 (relu) -> 1: g1 = (3, 5), o1 = (1, 2); g2 = 2·3 + 4·5 = 26, o2 = 2·1 + 4·2 + 0.5 = 10.5.
        let parameters: [Double] = [1, -4, 2, 1, 1, -2, 2, -4, 0.5]
        let model = try MultilayerPerceptron(widths: [2, 2, 1], activation: .relu, parameters: parameters)
        #expect(model.inputLimit == min((ceiling - 1) / 3, (ceiling - 2) / 5, (ceiling - 10.5) / 26))
    }

    @Test("no path from the inputs gives +∞; biases that already overflow give 0")
    func extremes() throws {
        let deaf = try MultilayerPerceptron(widths: [2, 1], activation: .tanh, parameters: [0, 0, 1])
        #expect(deaf.inputLimit == .infinity)
        let huge = try MultilayerPerceptron(widths: [1, 2, 1], activation: .relu,
                                            parameters: [1, 1, 1e308, 1e308, 1e308, 1e308, 0])
        #expect(huge.inputLimit == 0)
    }
}
