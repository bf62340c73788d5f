import Testing
@testable import CausalFairCore

/// Audits under R posterior draws (DESIGN §4, "Discrete nodes" and "Unfair area"):
/// every (row, draw) pair is audited at the draw `StructuralCausalModel.twins(_:drawCount:seed:firstRow:)`
/// makes, each ball from its own stream, so nothing depends on chunking or parts; and
/// the points `LatentSpace.auditBallPoints` returns are the sampling estimator's.
@Suite("Audit: (row, posterior draw) pairs")
struct AuditDrawsTests {
    /// A Gumbel-max SCM (S → B binary, S → C 3 levels, B, C → X) and an MLP classifier
    /// with τ at the median logit of its data.
    static func fixture(rows: Int) throws -> (audit: UnfairnessAudit, data: Matrix) {
        let (model, data) = try DiscreteMechanismTests.discreteModel(rows: rows, seed: 61)
        var generator = Xoshiro256StarStar(seed: 62)
        let network = MultilayerPerceptron(widths: [data.cols, 8, 1], activation: .tanh, generator: &generator)
        let space = try LatentSpace(scm: model, columns: data.cols)
        let audit = try UnfairnessAudit(model: network, space: space,
                                        logitThreshold: auditMedianThreshold(network(data).storage))
        return (audit, data)
    }

    @Test("the pair streams draw abduct(drawCount:)'s noise: row r's draw d at pair r·R + d, any first pair")
    func pairStreamsAreTheDraws() throws {
        let (audit, data) = try Self.fixture(rows: 40)
        let scm = try #require(audit.space.scm)
        let draws = try scm.abduct(data, drawCount: 3, seed: 5, firstRow: 7)
        let (rows, latent) = try audit.space.pairPoints(data, pairs: 4..<100, drawCount: 3, posteriorSeed: 5,
                                                        firstRow: 7)
        #expect(bitIdentical(rows, data.gatherRows((4..<100).map { $0 / 3 })))
        var expected = draws.gatherRows(Array(4..<100))
        for node in scm.sensitiveNodes {
            expected.scatterColumns(scm.nodeColumns[node], from: rows.gatherColumns(scm.nodeColumns[node]))
        }
        #expect(bitIdentical(latent, expected))
        // the draws differ: the Gumbel-max columns are sampled
        #expect(!bitIdentical(draws.gatherRows([0]), draws.gatherRows([1])))
    }

    @Test("U_CF per pair: a flag exactly when some twin of that draw (twins(drawCount:)) is classified otherwise")
    func counterfactualFlagsAreTheTwinsOfEachDraw() throws {
        let (audit, data) = try Self.fixture(rows: 300)
        let scm = try #require(audit.space.scm)
        let result = try audit.run(data, radius: 0, factualOnly: false, method: .sample(samples: 1), seed: 1,
                                   drawCount: 4, posteriorSeed: 11)
        let twins = try scm.twins(data, drawCount: 4, seed: 11)
        let own = audit.predictions(data)
        let twinPredictions = audit.predictions(twins)
        let levels = scm.twinLevelCount
        #expect(result.flags.count == 1_200)
        for pair in 0..<1_200 {
            let flips = (0..<levels).filter { twinPredictions[pair * levels + $0] != own[pair / 4] }
            #expect(result.flags[pair] == !flips.isEmpty)
            #expect(result.witnessLevels[pair] == (flips.first ?? -1))
        }
        // Posterior draws matter: some row is flagged in some draws and not others.
        let mixed = (0..<300).filter { r in Set((0..<4).map { result.flags[r * 4 + $0] }).count == 2 }
        #expect(!mixed.isEmpty)
    }

    @Test("sample and attack with draws: parts with their first rows give the whole table's pairs, bit for bit",
          arguments: [AuditMethod.sample(samples: 30), auditAttack])
    func partsEqualWholeWithDraws(method: AuditMethod) throws {
        let (audit, data) = try Self.fixture(rows: 200)
        let whole = try audit.run(data, radius: 0.5, factualOnly: false, method: method, seed: 7, drawCount: 3,
                                  posteriorSeed: 2)
        var flags: [Bool] = [], levels: [Int] = [], witnesses: [Double] = []
        for (start, end) in [(0, 1), (1, 90), (90, 200)] {
            let part = try audit.run(data.gatherRows(Array(start..<end)), radius: 0.5, factualOnly: false,
                                     method: method, seed: 7, firstRow: start, drawCount: 3, posteriorSeed: 2)
            flags += part.flags
            levels += part.witnessLevels
            witnesses += part.witnesses.storage
        }
        #expect(flags == whole.flags)
        #expect(levels == whole.witnessLevels)
        #expect(bitIdentical(witnesses, whole.witnesses.storage))
    }

    @Test("by default (R = 1, posterior seed 0) the audit is of the single draw of seed 0 that twins(_:) make")
    func oneDrawIsTheVerbsDraw() throws {
        let (audit, data) = try Self.fixture(rows: 200)
        let scm = try #require(audit.space.scm)
        let result = try audit.run(data, radius: 0, factualOnly: false, method: .sample(samples: 1), seed: 3)
        let twins = audit.predictions(try scm.twins(data))
        let own = audit.predictions(data)
        let levels = scm.twinLevelCount
        #expect(result.flags == (0..<200).map { r in (0..<levels).contains { twins[r * levels + $0] != own[r] } })
    }

    @Test("auditBallPoints: the sampling estimator's points — its flags, split sample ranges equal the whole")
    func ballPointsAreTheSamplersPoints() throws {
        let (audit, data) = try Self.fixture(rows: 120)
        let (radius, samples, draws) = (0.5, 70, 2)
        for factualOnly in [false, true] {
            let result = try audit.run(data, radius: radius, factualOnly: factualOnly,
                                       method: .sample(samples: samples), seed: 9, firstRow: 5, drawCount: draws,
                                       posteriorSeed: 4)
            let points = try audit.space.auditBallPoints(data, radius: radius, factualOnly: factualOnly,
                                                         samples: 0..<samples, drawCount: draws, posteriorSeed: 4,
                                                         seed: 9, firstRow: 5)
            let twins = try audit.space.auditBallPoints(data, radius: 0, factualOnly: factualOnly, samples: 0..<1,
                                                        drawCount: draws, posteriorSeed: 4, seed: 9, firstRow: 5)
            let own = audit.predictions(data)
            let predicted = audit.predictions(points), twinPredicted = audit.predictions(twins)
            let perPair = points.rows / (data.rows * draws), levels = twins.rows / (data.rows * draws)
            for pair in 0..<(data.rows * draws) {
                let flipped = (0..<perPair).contains { predicted[pair * perPair + $0] != own[pair / draws] }
                    || (0..<levels).contains { twinPredicted[pair * levels + $0] != own[pair / draws] }
                #expect(result.flags[pair] == flipped)
            }
            let head = try audit.space.auditBallPoints(data, radius: radius, factualOnly: factualOnly, samples: 0..<30,
                                                       drawCount: draws, posteriorSeed: 4, seed: 9, firstRow: 5)
            let tail = try audit.space.auditBallPoints(data, radius: radius, factualOnly: factualOnly,
                                                       samples: 30..<samples, drawCount: draws, posteriorSeed: 4,
                                                       seed: 9, firstRow: 5)
            let balls = points.rows / samples
            for ball in 0..<balls {
                #expect(bitIdentical(points.gatherRows(Array(ball * samples..<ball * samples + 30)),
                                     head.gatherRows(Array(ball * 30..<(ball + 1) * 30))))
                #expect(bitIdentical(points.gatherRows(Array(ball * samples + 30..<(ball + 1) * samples)),
                                     tail.gatherRows(Array(ball * 40..<(ball + 1) * 40))))
            }
        }
    }

    @Test("Gumbel mode: ball points keep a discrete root's level and hard codes; metric ∞ across a root's level")
    func ballPointsAreRealizable() throws {
        // S (sensitive) and R (binary roots) → B (binary, Gumbel-max) → X; S, R → X.
        let nodes = [
            NodeSpecification(kind: .binary, isSensitive: true, discrete: .gumbelMax),
            NodeSpecification(kind: .binary, discrete: .gumbelMax),
            NodeSpecification(kind: .binary, parents: [0, 1], mechanism: .linear(ridge: 0), discrete: .gumbelMax),
            NodeSpecification(kind: .continuous, parents: [0, 1, 2], mechanism: .linear(ridge: 0)),
        ]
        var generator = Xoshiro256StarStar(seed: 71)
        var data = Matrix(rows: 400, cols: 4)
        for r in 0..<400 {
            let (s, root) = (generator.bernoulli(0.5), generator.bernoulli(0.3))
            let b = generator.bernoulli(sigmoid(-0.3 + s + root))
            (data[r, 0], data[r, 1], data[r, 2]) = (s, root, b)
            data[r, 3] = s + root + 2 * b + generator.normal()
        }
        let (model, _) = try fittedSCM(nodes, on: data, fitSeed: 72)
        #expect(model.perturbable == [false, false, false, true])
        let space = try LatentSpace(scm: model, columns: 4)
        let points = try space.auditBallPoints(data, radius: 2, factualOnly: false, samples: 0..<20, drawCount: 2,
                                               posteriorSeed: 1, seed: 2, firstRow: 0)
        for p in 0..<points.rows {
            #expect([0.0, 1.0].contains(points[p, 1]) && [0.0, 1.0].contains(points[p, 2]))
            #expect(points[p, 1] == data[p / 80, 1])  // 2 draws × 2 levels × 20 samples per row
        }
        var flipped = data
        for r in 0..<400 { flipped[r, 1] = 1 - data[r, 1] }
        #expect(try model.metric(data, flipped).allSatisfy { $0 == .infinity })
        #expect(try model.metric(data, data).allSatisfy { $0 == 0 })
    }

    @Test("n_draws outside 1...maximumDrawCount is refused, by the audit and by its ball points")
    func drawCountIsChecked() throws {
        let (audit, all) = try Self.fixture(rows: 60)
        let data = all.gatherRows(Array(0..<5))
        for draws in [0, -3, StructuralCausalModel.maximumDrawCount + 1] {
            let error = thrownError { try audit.run(data, radius: 0.1, factualOnly: false, method: .sample(samples: 2),
                                                    seed: 1, drawCount: draws) }
            #expect(error?.kind == .invalidArgument)
            let pointsError = thrownError {
                try audit.space.auditBallPoints(data, radius: 0.1, factualOnly: false, samples: 0..<2, drawCount: draws,
                                                posteriorSeed: 0, seed: 1, firstRow: 0)
            }
            #expect(pointsError?.kind == .invalidArgument)
        }
    }
}
