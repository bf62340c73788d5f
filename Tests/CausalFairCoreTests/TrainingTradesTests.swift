import Testing
@testable import CausalFairCore

/// Causal TRADES: BCE(g(x), y) + β·KL(σ(g(x)) ‖ σ(g(x′))), x′ the KL's maximiser over
/// B_Δ(x) (every twin, latent δ). The loss against the Bernoulli KL written from its
/// definition, the parameter gradient against finite differences with x′ fixed, and
/// the inner maximiser against the points it starts from and against random points
/// of the balls.
@Suite("Training: causal TRADES")
struct TrainingTradesTests {
    typealias Fixture = TrainingObjectiveGradientTests.Fixture

    static func configuration(beta: Double = 6, radius: Double = 0.3, steps: Int = 10) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.objective = .trades
        configuration.beta = beta
        configuration.radius = radius
        configuration.steps = steps
        return configuration
    }

    /// KL(Bernoulli(σ(a)) ‖ Bernoulli(σ(b))) from its definition, p log(p/q) + (1−p) log((1−p)/(1−q)).
    static func bernoulliKL(_ a: Double, _ b: Double) -> Double {
        let p = 1 / (1 + exponential(-a)), q = 1 / (1 + exponential(-b))
        return p * logarithm(p / q) + (1 - p) * logarithm((1 - p) / (1 - q))
    }

    /// Mean over rows of the KL between the model at x and at `points` (one row each).
    static func meanKL(_ model: MultilayerPerceptron, _ x: Matrix, _ points: Matrix) -> Double {
        let (a, b) = (model(x).storage, model(points).storage)
        return (0..<a.count).reduce(0) { $0 + bernoulliKL(a[$1], b[$1]) } / Double(a.count)
    }

    @Test("the loss at a fixed x′ is mean BCE + β · the Bernoulli KL from its definition", arguments: [0.0, 1.0, 6.0])
    func lossClosedForm(beta: Double) throws {
        let f = try Fixture(nonlinear: true)
        var generator = Xoshiro256StarStar(seed: 301)
        let context = try trainingObjective(f.model, Self.configuration(beta: beta), space: f.space)
        let adversarial = try CausalTrades.adversarialPoints(f.batch, in: context, generator: &generator)
        let loss = CausalTrades.loss(f.batch, adversarial: adversarial, in: context).loss
        let kl = Self.meanKL(f.model, f.batch.x, adversarial)
        let expected = trainingMeanBCE(f.model, f.batch.x, f.batch.labels) + beta * kl
        #expect(abs(loss - expected) <= 1e-12 * (1 + abs(expected)), "\(loss) vs \(expected)")
        #expect(kl > 1e-4)
    }

    @Test("the parameter gradient at a fixed x′ matches finite differences (tanh and ReLU)",
          arguments: [Activation.tanh, .relu])
    func gradient(activation: Activation) throws {
        let f = try Fixture(nonlinear: true, activation: activation)
        var generator = Xoshiro256StarStar(seed: 302)
        let configuration = Self.configuration()
        let context = try trainingObjective(f.model, configuration, space: f.space)
        let adversarial = try CausalTrades.adversarialPoints(f.batch, in: context, generator: &generator)
        #expect(trainingSmallestPreActivation(f.model, f.batch.x) > 1e-4)
        #expect(trainingSmallestPreActivation(f.model, adversarial) > 1e-4)
        let gradient = CausalTrades.loss(f.batch, adversarial: adversarial, in: context).gradient
        let numeric = try finiteDifferenceGradient({ p in
            CausalTrades.loss(f.batch, adversarial: adversarial,
                              in: try trainingObjective(try trainingWithParameters(f.model, p), configuration,
                                                        space: f.space)).loss
        }, at: f.model.parameters)
        #expect(trainingClose(gradient, numeric), "worst ratio \(trainingWorstRatio(gradient, numeric))")
        #expect(norm(gradient) > 1e-3)
    }

    @Test("evaluate is the loss at the maximiser it finds, from the same random draws")
    func evaluateIsLossAtMaximiser() throws {
        let f = try Fixture(nonlinear: true)
        let context = try trainingObjective(f.model, Self.configuration(), space: f.space)
        var a = Xoshiro256StarStar(seed: 303), b = a
        let evaluated = try context.evaluate(f.batch, generator: &a)
        let direct = CausalTrades.loss(f.batch, adversarial: try CausalTrades.adversarialPoints(f.batch, in: context,
                                                                                              generator: &b), in: context)
        #expect(abs(evaluated.loss - direct.loss) <= 1e-12 * abs(direct.loss))
        #expect(maxAbsDifference(evaluated.gradient, direct.gradient) <= 1e-10 * norm(direct.gradient))
    }

    /// PGD finds a local maximum: from a start near the twin it moves g(x′) away from
    /// g(x) on the side it starts on, while the largest KL may lie on the other side;
    /// on average over rows it still beats the best of 200 uniform draws per ball.
    @Test("the inner maximiser raises every row's KL above its twins', and the mean KL above the best of 200 uniform points per ball")
    func maximiserIncreasesKL() throws {
        let f = try Fixture(nonlinear: true, rows: Array(0..<20))
        let configuration = Self.configuration(steps: 20)
        let context = try trainingObjective(f.model, configuration, space: f.space)
        var generator = Xoshiro256StarStar(seed: 304)
        let adversarial = try CausalTrades.adversarialPoints(f.batch, in: context, generator: &generator)
        let logits = f.model(f.batch.x).storage
        let found = f.model(adversarial).storage.enumerated().map { Self.bernoulliKL(logits[$0], $1) }
        let levels = f.batch.levelCount
        #expect(levels == 2)
        // δ = 0 at every twin.
        let twinLogits = f.model(try #require(f.batch.twins)).storage
        // 200 uniform points of every twin's ball.
        let draws = 200
        var latent = try f.batch.requiredLatent().gatherRows((0..<(f.batch.rows * levels * draws)).map { $0 / (levels * draws) })
        let drawLevels = (0..<latent.rows).map { ($0 / draws) % levels }
        latent = f.space.settingLevels(latent, levels: drawLevels)
        f.space.perturbUniformly(&latent, radius: configuration.radius, generator: &generator)
        let sampled = f.model(try f.space.decode(latent, levels: drawLevels)).storage
        var (raisedAboveTwins, bestSampled) = (0, 0.0)
        for r in 0..<f.batch.rows {
            let atTwins = (0..<levels).map { Self.bernoulliKL(logits[r], twinLogits[r * levels + $0]) }.max() ?? 0
            #expect(found[r] >= atTwins * (1 - 1e-9), "row \(r): \(found[r]) < \(atTwins) at the twins")
            if found[r] > atTwins * 1.01 { raisedAboveTwins += 1 }
            bestSampled += (0..<(levels * draws)).map { Self.bernoulliKL(logits[r], sampled[r * levels * draws + $0]) }
                .max() ?? 0
        }
        #expect(raisedAboveTwins >= f.batch.rows * 3 / 4, "\(raisedAboveTwins) of \(f.batch.rows) rows moved")
        let meanFound = found.reduce(0, +) / Double(f.batch.rows)
        #expect(meanFound >= bestSampled / Double(f.batch.rows), "\(meanFound) vs \(bestSampled / Double(f.batch.rows))")
    }

    @Test("x′ lies in a twin's ball: φ(x′) differs from the row's latent point by at most Δ on the perturbable columns")
    func adversarialInBall() throws {
        let f = try Fixture(nonlinear: true, rows: Array(0..<20))
        let configuration = Self.configuration()
        let context = try trainingObjective(f.model, configuration, space: f.space)
        var generator = Xoshiro256StarStar(seed: 305)
        let adversarial = try CausalTrades.adversarialPoints(f.batch, in: context, generator: &generator)
        let (latent, moved) = (try f.batch.requiredLatent(), try f.space.phi(adversarial))
        for r in 0..<f.batch.rows {
            let distance = (0..<latent.cols).filter { f.space.perturbable[$0] }
                .reduce(0) { $0 + (moved[r, $1] - latent[r, $1]) * (moved[r, $1] - latent[r, $1]) }.squareRoot()
            #expect(distance <= configuration.radius * (1 + 1e-9) + 1e-9, "row \(r): \(distance)")
        }
    }

    @Test("β = 0 is erm bit for bit, without drawing; Δ = 0 on a space without an SCM is erm (x′ = x, KL = 0)")
    func reducesToERM() throws {
        let f = try Fixture(nonlinear: true)
        var generator = Xoshiro256StarStar(seed: 306)
        let erm = try trainingObjective(f.model, TrainingConfiguration(), space: f.space).evaluate(f.batch, generator: &generator)
        var untouched = generator
        let noBeta = try trainingObjective(f.model, Self.configuration(beta: 0), space: f.space)
            .evaluate(f.batch, generator: &untouched)
        #expect(noBeta.loss.bitPattern == erm.loss.bitPattern)
        #expect(bitIdentical(noBeta.gradient, erm.gradient))
        #expect(untouched.next() == generator.next())

        let identity = try LatentSpace(scm: nil, columns: f.x.cols)
        let batch = try trainingBatch(f.x, f.labels, rows: Array(0..<6), space: identity)
        let plain = try trainingObjective(f.model, TrainingConfiguration(), space: identity).evaluate(batch, generator: &generator)
        let pointBall = try trainingObjective(f.model, Self.configuration(radius: 0), space: identity)
            .evaluate(batch, generator: &generator)
        #expect(abs(pointBall.loss - plain.loss) <= 1e-12 * plain.loss)
        #expect(maxAbsDifference(pointBall.gradient, plain.gradient) <= 1e-12 * norm(plain.gradient))
    }

    @Test("beta is validated: negative or non-finite values are refused", arguments: [-1.0, .infinity, .nan])
    func betaValidated(beta: Double) {
        var configuration = Self.configuration()
        configuration.beta = beta
        #expect(trainingThrows(.invalidArgument("")) { try configuration.validate() })
    }
}
