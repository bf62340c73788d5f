import Testing
@testable import CausalFairCore

/// ross (Ross, Lakkaraju & Bastani 2021): BCE(g(x), y) + λ·BCE(g(x + δ), 1), δ the
/// ε-step along the actionable part of ∇ₓg. The step against its definition, the loss
/// against plain loops, the parameter gradient against finite differences with δ fixed.
@Suite("Training: ross")
struct TrainingRossTests {
    typealias Fixture = TrainingObjectiveGradientTests.Fixture

    static func configuration(lambda: Double = 1, epsilon: Double = 0.3) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.objective = .ross
        configuration.lambda = lambda
        configuration.epsilon = epsilon
        return configuration
    }

    @Test("δ has length ε on the actionable columns only, along their part of ∇ₓg, and raises g to first order")
    func stepDefinition() throws {
        let f = try Fixture(nonlinear: true, rows: Array(0..<12))
        let epsilon = 1e-3
        let context = try trainingObjective(f.model, Self.configuration(epsilon: epsilon), space: f.space)
        let delta = ActionableRecourseRegularisation.step(f.batch, in: context)
        let (logits, gradient) = TrainingObjectiveGradientTests.logitsAndInputGradients(f.model, f.batch.x)
        let moved = f.model(f.batch.x + delta).storage
        #expect(f.space.perturbable == [false, false, true, true])  // S sensitive, A immutable
        for r in 0..<f.batch.rows {
            let row = (0..<delta.cols).map { delta[r, $0] }
            let actionable = (0..<delta.cols).map { f.space.perturbable[$0] ? gradient[r, $0] : 0 }
            let length = TrainingObjectiveGradientTests.dot(row, row).squareRoot()
            let actionableNorm = TrainingObjectiveGradientTests.dot(actionable, actionable).squareRoot()
            #expect(abs(length - epsilon) <= 1e-15)
            #expect(row[0] == 0 && row[1] == 0)
            // Parallel and in the same direction: δ·(m⊙∇g) = ‖δ‖‖m⊙∇g‖.
            #expect(abs(TrainingObjectiveGradientTests.dot(row, actionable) - epsilon * actionableNorm)
                    <= 1e-12 * epsilon * actionableNorm)
            #expect(moved[r] > logits[r])
            #expect(abs(moved[r] - logits[r] - epsilon * actionableNorm) <= 1e-2 * epsilon * actionableNorm)  // O(ε²) remainder
        }
    }

    @Test("with actionable columns named, δ moves only them (a perturbable column left out stays), with length ε along their part of ∇ₓg")
    func namedActionableColumns() throws {
        let f = try Fixture(nonlinear: true, rows: Array(0..<12))
        var configuration = Self.configuration(epsilon: 1e-3)
        configuration.actionableColumns = [3]
        let context = try trainingObjective(f.model, configuration, space: f.space)
        #expect(f.space.perturbable[2] && context.actionable == [false, false, false, true])
        let delta = ActionableRecourseRegularisation.step(f.batch, in: context)
        let (_, gradient) = TrainingObjectiveGradientTests.logitsAndInputGradients(f.model, f.batch.x)
        for r in 0..<f.batch.rows {
            #expect(delta[r, 0] == 0 && delta[r, 1] == 0 && delta[r, 2] == 0)
            #expect(abs(delta[r, 3] - 1e-3 * (gradient[r, 3] > 0 ? 1 : -1)) <= 1e-15)
        }
        // Naming every perturbable column is the default, bit for bit.
        configuration.actionableColumns = [2, 3]
        let every = ActionableRecourseRegularisation.step(f.batch, in: try trainingObjective(f.model, configuration, space: f.space))
        #expect(bitIdentical(every.storage, ActionableRecourseRegularisation.step(
            f.batch, in: try trainingObjective(f.model, Self.configuration(epsilon: 1e-3), space: f.space)).storage))
    }

    @Test("the trainer refuses actionable columns that are not perturbable, out of range or repeated")
    func actionableChecked() throws {
        let (scm, x, labels) = try TrainingLIN.fitted(rows: 60, seed: 31)
        for columns in [[0], [3], [-1], [1, 1]] {  // LIN [S, X1, X2]: S is sensitive
            var configuration = Self.configuration()
            configuration.actionableColumns = columns
            #expect(trainingThrows(CausalFairError.invalidArgument("")) {
                try Trainer.train(TrainingTrainerTests.smallMLP(), x: x, labels: labels, scm: scm, configuration: configuration)
            }, "\(columns)")
        }
        var configuration = Self.configuration()
        configuration.actionableColumns = [2]
        #expect(!trainingThrows(CausalFairError.invalidArgument("")) {
            try Trainer.train(TrainingTrainerTests.smallMLP(), x: x, labels: labels, scm: scm, configuration: configuration)
        })
    }

    @Test("a row whose actionable gradient vanishes is not moved")
    func zeroGradientStep() throws {
        let f = try Fixture(nonlinear: false, linearModel: true)
        var model = f.model
        // Logistic regression on LIN [S, X1, X2] with weights only on S: ∇ₓg = (w_S, 0, 0).
        model.parameters = [0.8, 0, 0, 0.1]
        let context = try trainingObjective(model, Self.configuration(), space: f.space)
        let delta = ActionableRecourseRegularisation.step(f.batch, in: context)
        #expect(delta.storage.allSatisfy { $0 == 0 })
    }

    @Test("the loss at a fixed δ is mean BCE(g(x), y) + λ · mean BCE(g(x + δ), 1) by plain loops",
          arguments: [0.0, 1.0, 2.5])
    func lossClosedForm(lambda: Double) throws {
        let f = try Fixture(nonlinear: true)
        let context = try trainingObjective(f.model, Self.configuration(lambda: lambda), space: f.space)
        let delta = ActionableRecourseRegularisation.step(f.batch, in: context)
        let loss = ActionableRecourseRegularisation.loss(f.batch, delta: delta, in: context).loss
        let favourable = [Double](repeating: 1, count: f.batch.rows)
        let expected = trainingMeanBCE(f.model, f.batch.x, f.batch.labels)
            + lambda * trainingMeanBCE(f.model, f.batch.x + delta, favourable)
        #expect(abs(loss - expected) <= 1e-12 * (1 + abs(expected)), "\(loss) vs \(expected)")
    }

    @Test("the parameter gradient at a fixed δ matches finite differences (tanh and ReLU)",
          arguments: [Activation.tanh, .relu])
    func gradient(activation: Activation) throws {
        let f = try Fixture(nonlinear: true, activation: activation)
        let configuration = Self.configuration(lambda: 1.7)
        let context = try trainingObjective(f.model, configuration, space: f.space)
        let delta = ActionableRecourseRegularisation.step(f.batch, in: context)
        #expect(trainingSmallestPreActivation(f.model, f.batch.x) > 1e-4)
        #expect(trainingSmallestPreActivation(f.model, f.batch.x + delta) > 1e-4)
        let gradient = ActionableRecourseRegularisation.loss(f.batch, delta: delta, in: context).gradient
        let numeric = try finiteDifferenceGradient({ p in
            ActionableRecourseRegularisation.loss(
                f.batch, delta: delta,
                in: try trainingObjective(try trainingWithParameters(f.model, p), configuration, space: f.space)).loss
        }, at: f.model.parameters)
        #expect(trainingClose(gradient, numeric), "worst ratio \(trainingWorstRatio(gradient, numeric))")
        #expect(norm(gradient) > 1e-3)
    }

    @Test("evaluate is the loss at its step; λ = 0 is erm's loss and gradient")
    func evaluateIsLossAtStep() throws {
        let f = try Fixture(nonlinear: true)
        let context = try trainingObjective(f.model, Self.configuration(), space: f.space)
        var generator = Xoshiro256StarStar(seed: 1)
        let evaluated = try context.evaluate(f.batch, generator: &generator)
        let direct = ActionableRecourseRegularisation.loss(
            f.batch, delta: ActionableRecourseRegularisation.step(f.batch, in: context), in: context)
        #expect(abs(evaluated.loss - direct.loss) <= 1e-12 * abs(direct.loss))
        #expect(maxAbsDifference(evaluated.gradient, direct.gradient) <= 1e-12 * norm(direct.gradient))
        var erm = Self.configuration(lambda: 0)
        let flat = try trainingObjective(f.model, erm, space: f.space).evaluate(f.batch, generator: &generator)
        erm.objective = .erm
        let reference = try trainingObjective(f.model, erm, space: f.space).evaluate(f.batch, generator: &generator)
        #expect(abs(flat.loss - reference.loss) <= 1e-14)
        #expect(maxAbsDifference(flat.gradient, reference.gradient) <= 1e-14)
    }

    @Test("training with ross raises the share of rows an ε-step along the actionable gradient brings to the favourable class")
    func trainingHelpsRecourse() throws {
        let (scm, x, labels) = try TrainingLIN.fitted(rows: 600, seed: 41)
        let space = try LatentSpace(scm: scm, columns: x.cols)
        func reached(_ lambda: Double) throws -> Double {
            var configuration = Self.configuration(lambda: lambda, epsilon: 0.5)
            configuration.epochs = 15
            configuration.seed = 3
            let model = try Trainer.train(try trainingNetwork([x.cols, 8, 1], .tanh, seed: 9), x: x, labels: labels,
                                          scm: scm, configuration: configuration).model
            let batch = try trainingBatch(x, labels, rows: Array(0..<x.rows), space: space, withTwins: false)
            let context = try trainingObjective(model, configuration, space: space)
            let moved = model(x + ActionableRecourseRegularisation.step(batch, in: context)).storage
            return Double(moved.filter { $0 > 0 }.count) / Double(x.rows)
        }
        let (plain, regularised) = (try reached(0), try reached(2))
        #expect(regularised > plain + 0.02, "\(plain) -> \(regularised)")
    }
}
