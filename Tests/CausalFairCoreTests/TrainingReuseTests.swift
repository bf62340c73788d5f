import Testing
@testable import CausalFairCore

/// The objectives reuse what they have already computed within a batch (the forward
/// pass at the candidate points, the input-gradient pass at x): the results must be
/// those of computing it again.
@Suite("Training: reuse within a batch")
struct TrainingReuseTests {
    @Test("The worst-case BCE from one forward pass equals the BCE recomputed at the gathered worst rows")
    func worstCaseCrossEntropyMatchesRecomputation() throws {
        let f = try TrainingObjectiveGradientTests.Fixture(nonlinear: true, rows: Array(0..<40))
        let objective = try trainingObjective(f.model, TrainingConfiguration(), space: f.space)
        let twins = try #require(f.batch.twins)
        #expect(f.batch.levelCount > 1)
        let reused = objective.worstCaseCrossEntropy(at: twins, groupSize: f.batch.levelCount, labels: f.batch.labels)
        // The path it replaced: evaluate every twin, then a second forward pass at the worst.
        let losses = Evaluation(f.model, twins, labels: f.batch.repeatedLabels).losses
        let worst = Rows.argmaxPerGroup(losses, groupSize: f.batch.levelCount)
        let recomputed = objective.crossEntropy(at: twins.gatherRows(worst), labels: f.batch.labels)
        #expect(abs(reused.loss - recomputed.loss) <= 1e-14 * abs(recomputed.loss))
        #expect(maxAbsDifference(reused.gradient, recomputed.gradient) <= 1e-14 * norm(recomputed.gradient))
        #expect(norm(recomputed.gradient) > 1e-3)
        // The worst twin is a twin of its own row, and not always the same level.
        #expect(worst.enumerated().allSatisfy { $1 / f.batch.levelCount == $0 })
        #expect(Set(worst.map { $0 % f.batch.levelCount }).count > 1)
    }

    @Test("Evaluation.rows equals a forward pass at the gathered rows")
    func evaluationRows() throws {
        let f = try TrainingObjectiveGradientTests.Fixture(nonlinear: false, rows: Array(0..<30))
        let indices = [29, 3, 3, 0, 17]
        let gathered = Evaluation(f.model, f.batch.x, labels: f.batch.labels).rows(indices)
        let direct = Evaluation(f.model, f.batch.x.gatherRows(indices), labels: indices.map { f.batch.labels[$0] })
        for (a, b) in zip(gathered.layers, direct.layers) {
            #expect(maxAbsDifference(a.storage, b.storage) <= 1e-15)
        }
        #expect(maxAbsDifference(gathered.losses, direct.losses) <= 1e-14)
    }

    @Test("capify and llr as training runs them (one base pass per batch) give the bits of each step computing its own",
          arguments: [Objective.capify, .llr])
    func baseGradientsReused(objectiveKind: Objective) throws {
        let f = try TrainingObjectiveGradientTests.Fixture(nonlinear: true, rows: Array(0..<12))
        var configuration = TrainingConfiguration()
        configuration.objective = objectiveKind
        let objective = try trainingObjective(f.model, configuration, space: f.space)
        var (a, b) = (Xoshiro256StarStar(seed: 3), Xoshiro256StarStar(seed: 3))
        let reused = try objective.evaluate(f.batch, generator: &a)
        // Without a shared base: the inner maximiser and the loss each recompute the
        // evaluation and the input-gradient pass at x (and the second-order pass its own).
        let separate = objectiveKind == .capify
            ? Capify.loss(f.batch, delta: Capify.perturbation(f.batch, in: objective, generator: &b), in: objective)
            : LocalLinearityRegularisation.loss(
                f.batch, delta: LocalLinearityRegularisation.perturbation(f.batch, in: objective, generator: &b), in: objective)
        #expect(reused.loss.bitPattern == separate.loss.bitPattern)
        #expect(bitIdentical(reused.gradient, separate.gradient))
        #expect(norm(separate.gradient) > 1e-6)
    }
}
