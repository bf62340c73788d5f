import Testing
@testable import CausalFairCore

/// sensei (SenSeI, Yurochkin & Sun 2021): BCE(g(x), y) + λ·(g(x) − g(x′))², x′ the
/// auditor's point under the sensitive-subspace fair metric. The metric's properties,
/// the loss against plain loops, the parameter gradient against finite differences
/// with x′ fixed, and the auditor raising what it maximises.
@Suite("Training: sensei")
struct TrainingSenseiTests {
    typealias Fixture = TrainingObjectiveGradientTests.Fixture

    static func configuration(lambda: Double = 1, mu: Double = 1, steps: Int = 10) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.objective = .sensei
        configuration.lambda = lambda
        configuration.mu = mu
        configuration.steps = steps
        configuration.innerLearningRate = 0.05
        return configuration
    }

    static func product(_ a: Matrix, _ v: [Double]) -> [Double] { BLAS.multiply(a, v) }

    @Test("Σ is symmetric and idempotent, annihilates the sensitive column and the proxy direction, and keeps what is orthogonal to both")
    func metricProperties() throws {
        let (scm, x, _) = try TrainingLIN.fitted(rows: 800, seed: 11)
        let space = try LatentSpace(scm: scm, columns: x.cols)
        let sigma = try SensitiveSubspaceMetric.fitted(x: x, space: space).complement
        for i in 0..<3 { for j in 0..<3 { #expect(abs(sigma[i, j] - sigma[j, i]) <= 1e-15) } }
        #expect(maxAbsDifference(BLAS.multiply(sigma, sigma), sigma) <= 1e-12)
        #expect(Self.product(sigma, [1, 0, 0]).allSatisfy { abs($0) <= 1e-12 })
        // The proxy: a logistic regression of S on (X1, X2), fitted independently here.
        let labels = (0..<x.rows).map { x[$0, 0] }
        let fit = try NewtonSolver.minimise(x: x.gatherColumns([1, 2]), labels: labels,
                                            weightDecay: 1 / Double(x.rows), tolerance: 1e-10, maxIterations: 100)
        let proxy = [0, fit.parameters[0], fit.parameters[1]]
        #expect(abs(proxy[1]) > 0.5)  // X1 = 2S + noise carries S
        #expect(Self.product(sigma, proxy).allSatisfy { abs($0) <= 1e-9 })
        let orthogonal = [0, -proxy[2], proxy[1]]
        #expect(maxAbsDifference(Self.product(sigma, orthogonal), orthogonal) <= 1e-9)
        // Without an SCM: the squared Euclidean distance.
        let identity = try SensitiveSubspaceMetric.fitted(x: x, space: try LatentSpace(scm: nil, columns: 3)).complement
        let eye = try Matrix(rows: 3, cols: 3, storage: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(maxAbsDifference(identity, eye) == 0)
    }

    @Test("the distances and their gradients match δᵀΣδ and 2Σδ by loops, and the gradient matches finite differences")
    func metricDistances() throws {
        let f = try Fixture(nonlinear: true)
        let metric = try #require(try trainingObjective(f.model, Self.configuration(), space: f.space).fairMetric)
        var generator = Xoshiro256StarStar(seed: 5)
        var delta = Matrix(rows: 3, cols: 4)
        for i in delta.storage.indices { delta.storage[i] = generator.normal() }
        let distances = metric.distances(delta)
        let gradients = metric.distanceGradients(delta)
        for r in 0..<3 {
            let row = (0..<4).map { delta[r, $0] }
            let sigmaRow = Self.product(metric.complement, row)
            #expect(abs(distances[r] - TrainingObjectiveGradientTests.dot(row, sigmaRow)) <= 1e-12)
            #expect(distances[r] >= 0)
            let numeric = try finiteDifferenceGradient({ v in
                metric.distances(try Matrix(rows: 1, cols: 4, storage: v))[0]
            }, at: row)
            #expect(trainingClose((0..<4).map { gradients[r, $0] }, numeric))
        }
    }

    @Test("the loss at a fixed δ is mean BCE + λ · mean (g(x) − g(x + δ))² by plain loops", arguments: [0.0, 1.0, 5.0])
    func lossClosedForm(lambda: Double) throws {
        let f = try Fixture(nonlinear: true)
        let context = try trainingObjective(f.model, Self.configuration(lambda: lambda), space: f.space)
        var generator = Xoshiro256StarStar(seed: 6)
        let delta = try SensitiveSubspaceInvariance.perturbation(f.batch, in: context, generator: &generator)
        let loss = SensitiveSubspaceInvariance.loss(f.batch, delta: delta, in: context).loss
        let (a, b) = (f.model(f.batch.x).storage, f.model(f.batch.x + delta).storage)
        let squares: [Double] = (0..<a.count).map { (a[$0] - b[$0]) * (a[$0] - b[$0]) }
        let change = squares.reduce(0, +) / Double(a.count)
        let expected = trainingMeanBCE(f.model, f.batch.x, f.batch.labels) + lambda * change
        #expect(abs(loss - expected) <= 1e-12 * (1 + abs(expected)), "\(loss) vs \(expected)")
        #expect(change > 1e-6)
    }

    @Test("the parameter gradient at a fixed δ matches finite differences (tanh and ReLU)",
          arguments: [Activation.tanh, .relu])
    func gradient(activation: Activation) throws {
        let f = try Fixture(nonlinear: true, activation: activation)
        let configuration = Self.configuration(lambda: 2)
        let context = try trainingObjective(f.model, configuration, space: f.space)
        var generator = Xoshiro256StarStar(seed: 7)
        let delta = try SensitiveSubspaceInvariance.perturbation(f.batch, in: context, generator: &generator)
        #expect(trainingSmallestPreActivation(f.model, f.batch.x) > 1e-4)
        #expect(trainingSmallestPreActivation(f.model, f.batch.x + delta) > 1e-4)
        let gradient = SensitiveSubspaceInvariance.loss(f.batch, delta: delta, in: context).gradient
        let numeric = try finiteDifferenceGradient({ p in
            SensitiveSubspaceInvariance.loss(
                f.batch, delta: delta,
                in: try trainingObjective(try trainingWithParameters(f.model, p), configuration, space: f.space)).loss
        }, at: f.model.parameters)
        #expect(trainingClose(gradient, numeric), "worst ratio \(trainingWorstRatio(gradient, numeric))")
        #expect(norm(gradient) > 1e-3)
    }

    @Test("the auditor raises (g(x) − g(x + δ))² − μ·d(x, x + δ) above its random start, for every μ",
          arguments: [0.1, 1.0, 10.0])
    func auditorRaisesObjective(mu: Double) throws {
        let f = try Fixture(nonlinear: true, rows: Array(0..<20))
        let context = try trainingObjective(f.model, Self.configuration(mu: mu, steps: 30), space: f.space)
        var generator = Xoshiro256StarStar(seed: 8)
        var start = Matrix(rows: f.batch.rows, cols: f.batch.x.cols)
        var copy = generator
        for i in start.storage.indices { start.storage[i] = context.configuration.epsilon * copy.normal() }
        let delta = try SensitiveSubspaceInvariance.perturbation(f.batch, in: context, generator: &generator)
        let before = try SensitiveSubspaceInvariance.auditObjective(f.batch, delta: start, in: context)
        let after = try SensitiveSubspaceInvariance.auditObjective(f.batch, delta: delta, in: context)
        #expect(after.reduce(0, +) > before.reduce(0, +) + 1e-6, "\(before) -> \(after)")
    }

    @Test("evaluate is the loss at the auditor's point from the same draws; it throws without the fair metric")
    func evaluateIsLossAtAuditorPoint() throws {
        let f = try Fixture(nonlinear: true)
        let context = try trainingObjective(f.model, Self.configuration(), space: f.space)
        var a = Xoshiro256StarStar(seed: 9), b = a
        let evaluated = try context.evaluate(f.batch, generator: &a)
        let direct = SensitiveSubspaceInvariance.loss(
            f.batch, delta: try SensitiveSubspaceInvariance.perturbation(f.batch, in: context, generator: &b), in: context)
        #expect(abs(evaluated.loss - direct.loss) <= 1e-12 * abs(direct.loss))
        #expect(maxAbsDifference(evaluated.gradient, direct.gradient) <= 1e-12 * norm(direct.gradient))
        var bare = context
        bare.fairMetric = nil
        #expect(throws: CausalFairError.self) { try bare.evaluate(f.batch, generator: &a) }
    }

    @Test("training with sensei shrinks the logit change between twins against erm (LIN, same seed)")
    func trainingShrinksTwinGap() throws {
        let (scm, x, labels) = try TrainingLIN.fitted(rows: 600, seed: 43)
        let space = try LatentSpace(scm: scm, columns: x.cols)
        let twins = try Trainer.allTwins(space.phi(x), space: space)
        func gap(_ objective: Objective) throws -> Double {
            var configuration = Self.configuration(lambda: 5, mu: 1, steps: 10)
            configuration.objective = objective
            configuration.epochs = 10
            configuration.seed = 4
            let model = try Trainer.train(try trainingNetwork([x.cols, 8, 1], .tanh, seed: 10), x: x, labels: labels,
                                          scm: scm, configuration: configuration).model
            let t = model(twins).storage
            let gaps: [Double] = (0..<x.rows).map { abs(t[2 * $0] - t[2 * $0 + 1]) }
            return gaps.reduce(0, +) / Double(x.rows)
        }
        let (erm, sensei) = (try gap(.erm), try gap(.sensei))
        #expect(sensei < 0.8 * erm, "\(erm) -> \(sensei)")
    }
}
