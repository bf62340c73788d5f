import Testing
@testable import CausalFairCore

/// The objectives with an inner maximiser (al, cal, causal_at by PGD) return the BCE
/// gradient at the point they chose. For a single-row batch that point can be read
/// back from the gradient of the first layer (∂/∂W₁[i, j] = x_i ∂/∂b₁[j]), so these
/// tests check, independently of the engine's search: the point is in the right ball,
/// the loss and gradient are those of BCE at that point, and the search ascended.
@Suite("Training inner maximisation")
struct TrainingInnerMaximisationTests {
    typealias Fixture = TrainingObjectiveGradientTests.Fixture

    /// Evaluates `configuration` on the single-row batch of row `row`, and reads back
    /// the point its gradient was taken at.
    static func singleRow(_ f: Fixture, _ configuration: TrainingConfiguration, row: Int, seed: UInt64 = 301) throws
        -> (batch: TrainingBatch, loss: Double, gradient: [Double], point: [Double]) {
        let batch = try trainingBatch(f.x, f.labels, rows: [row], space: f.space)
        var generator = Xoshiro256StarStar(seed: seed)
        let (loss, gradient) = try trainingObjective(f.model, configuration, space: f.space)
            .evaluate(batch, generator: &generator)
        return (batch, loss, gradient, trainingRecoveredPoint(gradient, widths: f.model.widths))
    }

    /// The BCE loss and gradient at one point, by the engine's checked crossEntropy.
    static func crossEntropy(_ f: Fixture, at point: [Double], label: Double) throws -> (loss: Double, gradient: [Double]) {
        try trainingObjective(f.model, TrainingConfiguration(), space: f.space)
            .crossEntropy(at: try Matrix(rows: 1, cols: point.count, storage: point), labels: [label])
    }

    @Test("reading the point back from a single-row BCE gradient works (the tool the other tests rely on)")
    func recoveryWorks() throws {
        let f = try Fixture(nonlinear: true)
        let point = [1.0, -0.3, 0.8, 2.1]
        let (_, gradient) = try Self.crossEntropy(f, at: point, label: 1)
        #expect(maxAbsDifference(trainingRecoveredPoint(gradient, widths: f.model.widths), point) < 1e-10)
    }

    @Test("al: the PGD point is on the ε-sphere around x, its BCE is the returned loss, and it ascends",
          arguments: [false, true])
    func adversarial(linearModel: Bool) throws {
        let f = try Fixture(nonlinear: false, linearModel: linearModel)
        var configuration = TrainingConfiguration()
        configuration.objective = .al
        configuration.epsilon = 0.25
        for row in 0..<6 {
            let (batch, loss, gradient, point) = try Self.singleRow(f, configuration, row: row)
            let x = CausalFairTestSupport.row(batch.x, 0), y = batch.labels[0]
            let distance = norm(zip(point, x).map { $0 - $1 })
            #expect(distance <= 0.25 + 1e-9, "row \(row): ‖x' − x‖ = \(distance)")
            let atPoint = try Self.crossEntropy(f, at: point, label: y)
            #expect(abs(atPoint.loss - loss) < 1e-10)
            #expect(trainingClose(gradient, atPoint.gradient, relative: 1e-8, absolute: 1e-12))
            let atX = try Self.crossEntropy(f, at: x, label: y).loss
            #expect(loss > atX, "row \(row): no ascent (\(loss) <= \(atX))")
            if linearModel {
                // A linear logit's worst point in the ball is x − (2y − 1) ε w / ‖w‖, exactly.
                let w = Array(f.model.parameters[0..<3])
                let expected = zip(x, w).map { $0 - (2 * y - 1) * 0.25 * $1 / norm(w) }
                #expect(maxAbsDifference(point, expected) < 1e-9, "row \(row): \(point) vs \(expected)")
            }
        }
    }

    @Test("causal_at by PGD through MLP mechanisms: the point is in the causal ball of its twin, BCE there is the returned loss, and it beats every twin",
          arguments: [false, true])
    func causalAscentNonlinear(linearModel: Bool) throws {
        // With a linear model the closed form is requested but the SCM is not linear: PGD runs.
        let f = try Fixture(nonlinear: true, linearModel: linearModel)
        var configuration = TrainingConfiguration()
        configuration.objective = .causalAT
        configuration.radius = 0.3
        let objective = try trainingObjective(f.model, configuration, space: f.space)
        #expect(objective.jacobian == nil)
        for row in 0..<6 {
            let (batch, loss, gradient, point) = try Self.singleRow(f, configuration, row: row)
            let y = batch.labels[0]
            let twins = try #require(batch.twins)
            // The twin the point belongs to: the one with the same sensitive value (column 0).
            let level = Int(point[0].rounded())
            #expect(abs(point[0] - Double(level)) < 1e-9 && (level == 0 || level == 1))
            let twin = CausalFairTestSupport.row(twins, level)
            #expect(abs(twin[0] - Double(level)) < 1e-12)
            let distance = try f.scm.metric(try Matrix(rows: 1, cols: 4, storage: point),
                                            try Matrix(rows: 1, cols: 4, storage: twin))[0]
            #expect(distance <= 0.3 + 1e-9, "row \(row): d(x', twin) = \(distance)")
            #expect(distance > 0.3 * 0.5, "row \(row): the ascent barely moved (\(distance))")
            let atPoint = try Self.crossEntropy(f, at: point, label: y)
            #expect(abs(atPoint.loss - loss) < 1e-10)
            #expect(trainingClose(gradient, atPoint.gradient, relative: 1e-7, absolute: 1e-12))
            let twinLoss = (0..<2).map { f.model(twins.gatherRows([$0])).storage[0] }
                .map { softplus($0) - y * $0 }.max() ?? .infinity
            #expect(loss > twinLoss, "row \(row): \(loss) <= max twin loss \(twinLoss)")
            // At least as good as the best of 400 uniform samples of the ball (both twins).
            let samples = try f.scm.perturbationBall(batch.x, radius: 0.3, samples: 200, factualOnly: false, seed: 302)
            let sampled = trainingBCEs(f.model, samples, label: y).max() ?? .infinity
            #expect(loss >= sampled - 1e-6, "row \(row): PGD \(loss) < sampled \(sampled)")
        }
    }

    @Test("without an SCM, causal_at on logistic regression is al with ε = Δ (closed form = PGD in input space)")
    func causalWithoutSCMIsAdversarial() throws {
        let f = try Fixture(nonlinear: false, linearModel: true)
        let space = try LatentSpace(scm: nil, columns: 3)
        let batch = try trainingBatch(f.x, f.labels, rows: Array(0..<8), space: space)
        var causal = TrainingConfiguration()
        causal.objective = .causalAT
        causal.radius = 0.3
        var adversarial = TrainingConfiguration()
        adversarial.objective = .al
        adversarial.epsilon = 0.3
        var generator = Xoshiro256StarStar(seed: 0)
        let exact = try trainingObjective(f.model, causal, space: space).evaluate(batch, generator: &generator)
        let pgd = try trainingObjective(f.model, adversarial, space: space).evaluate(batch, generator: &generator)
        #expect(abs(exact.loss - pgd.loss) < 1e-9)
        #expect(trainingClose(exact.gradient, pgd.gradient, relative: 1e-7, absolute: 1e-10))
        // And both exceed erm's loss.
        var erm = TrainingConfiguration()
        erm.objective = .erm
        #expect(exact.loss > (try trainingObjective(f.model, erm, space: space).evaluate(batch, generator: &generator).loss) + 1e-3)
    }

    @Test("causal_at by PGD with an immutable node never moves it and keeps the twin's sensitive value")
    func causalAscentRespectsMask() throws {
        let f = try Fixture(nonlinear: true)
        var configuration = TrainingConfiguration()
        configuration.objective = .causalAT
        configuration.radius = 0.5
        for row in 0..<4 {
            let (batch, _, _, point) = try Self.singleRow(f, configuration, row: row)
            let z = try f.scm.phi(try Matrix(rows: 1, cols: 4, storage: point))
            let latent = try batch.requiredLatent()
            // A (immutable root) keeps its value; U1, U2 moved by at most Δ in total.
            #expect(abs(z[0, 1] - latent[0, 1]) < 1e-9)
            let shift = norm([z[0, 2] - latent[0, 2], z[0, 3] - latent[0, 3]])
            #expect(shift <= 0.5 + 1e-9)
        }
    }

    @Test("causal_at by PGD on the linear SCM with logistic regression reaches the worst twin's boundary point")
    func causalAscentLinear() throws {
        let f = try Fixture(nonlinear: false, linearModel: true)
        var configuration = TrainingConfiguration()
        configuration.objective = .causalAT
        configuration.exactWhenLinear = false
        configuration.radius = 0.3
        for row in 0..<6 {
            let (batch, loss, _, point) = try Self.singleRow(f, configuration, row: row)
            let level = Int(point[0].rounded())
            let twin = CausalFairTestSupport.row(try #require(batch.twins), level)
            let distance = try f.scm.metric(try Matrix(rows: 1, cols: 3, storage: point),
                                            try Matrix(rows: 1, cols: 3, storage: twin))[0]
            #expect(abs(distance - 0.3) < 1e-9, "row \(row): a linear logit's maximiser is on the sphere (\(distance))")
            var exact = configuration
            exact.exactWhenLinear = true
            var generator = Xoshiro256StarStar(seed: 0)
            let closedForm = try trainingObjective(f.model, exact, space: f.space).evaluate(batch, generator: &generator)
            #expect(abs(loss - closedForm.loss) < 1e-9)
        }
    }

    @Test("cal: the chosen sample lies in the causal ball of a twin, its BCE is the returned loss, below the exact worst case",
          arguments: [false, true])
    func sampledCausal(nonlinear: Bool) throws {
        let f = try Fixture(nonlinear: nonlinear, linearModel: !nonlinear)
        var configuration = TrainingConfiguration()
        configuration.objective = .cal
        configuration.radius = 0.3
        configuration.samples = 20
        var worstLoss = (0..<6).map { _ in Double.infinity }
        if !nonlinear {
            var exact = configuration
            exact.objective = .causalAT
            for row in 0..<6 {
                let batch = try trainingBatch(f.x, f.labels, rows: [row], space: f.space)
                var generator = Xoshiro256StarStar(seed: 0)
                worstLoss[row] = try trainingObjective(f.model, exact, space: f.space).evaluate(batch, generator: &generator).loss
            }
        }
        for row in 0..<6 {
            let (batch, loss, gradient, point) = try Self.singleRow(f, configuration, row: row, seed: 303 + UInt64(row))
            let y = batch.labels[0]
            let level = Int(point[0].rounded())
            let twins = try #require(batch.twins)
            let twin = CausalFairTestSupport.row(twins, level)
            let distance = try f.scm.metric(try Matrix(rows: 1, cols: f.x.cols, storage: point),
                                            try Matrix(rows: 1, cols: f.x.cols, storage: twin))[0]
            #expect(distance <= 0.3 + 1e-9, "row \(row): d = \(distance)")
            let atPoint = try Self.crossEntropy(f, at: point, label: y)
            #expect(abs(atPoint.loss - loss) < 1e-10)
            #expect(trainingClose(gradient, atPoint.gradient, relative: 1e-7, absolute: 1e-12))
            #expect(loss <= worstLoss[row] + 1e-12)
            // The worst of 40 candidates is worse than the worse twin itself (all but surely).
            let twinLoss = (0..<2).map { f.model(twins.gatherRows([$0])).storage[0] }
                .map { softplus($0) - y * $0 }.max() ?? .infinity
            #expect(loss > twinLoss)
        }
    }
}
