import Testing
@testable import CausalFairCore

/// Gumbel-max mechanisms of discrete nodes (DESIGN §4, "Discrete nodes"), checked
/// against closed forms, a simulation of the true model with its true noise, and an
/// independent logistic solver.
@Suite("Discrete (Gumbel-max) mechanisms")
struct DiscreteMechanismTests {
    /// A linear logit map ℓ = x W + b with the given W (rows = inputs) and b.
    static func linearLogits(_ weights: [[Double]], _ bias: [Double]) throws -> DiscreteMechanism {
        let parameters = weights.flatMap { $0 } + bias
        return DiscreteMechanism(logitModel: .linear(
            try LinearMechanism(inputs: weights.count, outputs: bias.count, parameters: parameters[...])))
    }

    /// Binary S (sensitive root) → B (binary, Gumbel-max) and S → C (3 levels,
    /// Gumbel-max) → X continuous; data simulated from known logits.
    static func discreteModel(rows: Int, seed: UInt64) throws -> (model: StructuralCausalModel, data: Matrix) {
        let nodes = [
            NodeSpecification(kind: .binary, isSensitive: true),
            NodeSpecification(kind: .binary, parents: [0], mechanism: .linear(ridge: 0), discrete: .gumbelMax),
            NodeSpecification(kind: .categorical(levels: 3), parents: [0], mechanism: .linear(ridge: 0),
                              discrete: .gumbelMax),
            NodeSpecification(kind: .continuous, parents: [1, 2], mechanism: .linear(ridge: 0)),
        ]
        var generator = Xoshiro256StarStar(seed: seed)
        var data = Matrix(rows: rows, cols: 6)
        for r in 0..<rows {
            let s = generator.bernoulli(0.4)
            let b = generator.bernoulli(sigmoid(-0.5 + 1.5 * s))
            let logits = [0, 0.3 + 1.0 * s, -0.4 - 1.2 * s]
            let gumbels = logits.map { $0 - logarithm(-logarithm(generator.uniformPositive())) }
            let c = gumbels.indices.max { gumbels[$0] < gumbels[$1] } ?? 0
            data[r, 0] = s
            data[r, 1] = b
            data[r, 2 + c] = 1
            data[r, 5] = 2 * b + Double(c) + generator.normal()
        }
        return try fittedSCM(nodes, on: data, fitSeed: 3)
    }

    @Test("abduction reproduces the level in every draw, with hard codes, down to extreme logits and K = 20")
    func abductionReproducesLevels() throws {
        var generator = Xoshiro256StarStar(seed: 1)
        for levels in [2, 3, 20] {
            let width = levels == 2 ? 1 : levels
            let logitCount = DiscreteMechanism.logitCount(width: width)
            let weights = (0..<2).map { _ in (0..<logitCount).map { _ in 30 * generator.normal() } }
            let f = try Self.linearLogits(weights, (0..<logitCount).map { _ in generator.normal() })
            let parents = randomMatrix(rows: 200, cols: 2, scale: 3, generator: &generator)
            let noise = try Matrix(rows: 200, cols: width, storage: (0..<(200 * width)).map { _ in
                -logarithm(-logarithm(generator.uniformPositive()))
            })
            let value = f.value(parents: parents, noise: noise)
            #expect(value.storage.allSatisfy { $0 == 0 || $0 == 1 })
            if width > 1 { #expect((0..<200).allSatisfy { row(value, $0).reduce(0, +) == 1 }) }
            for draw in 0..<5 {
                let streams = PosteriorStreams(seed: 9, draw: draw, drawCount: 5)
                let abducted = try f.abduct(parents: parents, value: value, streams: streams)
                #expect(abducted.isFinite)
                #expect(bitIdentical(f.value(parents: parents, noise: abducted), value), "K = \(levels)")
            }
            // Values that are not level codes are errors.
            var bad = value
            bad[0, 0] = 0.5
            #expect(thrownError { try f.abduct(parents: parents, value: bad, streams: PosteriorStreams(seed: 1)) }?
                .kind == .invalidArgument)
        }
    }

    @Test("binary closed form: P(V' = 1 | V = 1) = min(1, σ(ℓ')/σ(ℓ)) (4 standard errors over 40,000 draws)")
    func binaryClosedForm() throws {
        // ℓ = 0.8 + 1.4 s: ℓ(1) = 2.2, ℓ(0) = 0.8.
        let f = try Self.linearLogits([[1.4]], [0.8])
        let rows = 40_000
        for (s, counterfactualS) in [(1.0, 0.0), (0.0, 1.0)] {
            for observed in [1.0, 0.0] {
                let parents = Matrix(rows: rows, cols: 1, repeating: s)
                let value = Matrix(rows: rows, cols: 1, repeating: observed)
                let noise = try f.abduct(parents: parents, value: value, streams: PosteriorStreams(seed: 4))
                let moved = f.value(parents: Matrix(rows: rows, cols: 1, repeating: counterfactualS), noise: noise)
                let frequency = mean(moved.storage)
                let (l, lPrime) = (0.8 + 1.4 * s, 0.8 + 1.4 * counterfactualS)
                // P(V'=1 | V=1) = min(1, σ(ℓ')/σ(ℓ)); P(V'=1 | V=0) = max(0, (σ(ℓ') − σ(ℓ))/(1 − σ(ℓ))).
                let expected = observed == 1
                    ? min(1, sigmoid(lPrime) / sigmoid(l))
                    : max(0, (sigmoid(lPrime) - sigmoid(l)) / (1 - sigmoid(l)))
                let tolerance = 4 * proportionStandardError(expected, rows)
                #expect(abs(frequency - expected) <= tolerance,
                        "s \(s) v \(observed): \(frequency) vs \(expected) ± \(tolerance)")
                if expected == 1 || expected == 0 { #expect(moved.storage.allSatisfy { $0 == expected }) }
            }
        }
    }

    @Test("categorical: posterior counterfactuals match the true model re-run with its true noise, per (s, v) cell")
    func categoricalMatchesTruth() throws {
        // Three levels, ℓ(s) = (0, 0.5 − s, −0.3 + 1.2 s); do(S := 1 − s).
        let f = try Self.linearLogits([[-1.0, 1.2]], [0.5, -0.3])
        let rows = 60_000
        var generator = Xoshiro256StarStar(seed: 21)
        var parents = Matrix(rows: rows, cols: 1)
        var noise = Matrix(rows: rows, cols: 3)
        for r in 0..<rows {
            parents[r, 0] = generator.bernoulli(0.5)
            for k in 0..<3 { noise[r, k] = -logarithm(-logarithm(generator.uniformPositive())) }
        }
        var flipped = parents
        for r in 0..<rows { flipped[r, 0] = 1 - parents[r, 0] }
        let value = f.value(parents: parents, noise: noise)
        let truth = f.value(parents: flipped, noise: noise)
        let posterior = f.value(parents: flipped,
                                noise: try f.abduct(parents: parents, value: value, streams: PosteriorStreams(seed: 8)))
        for s in [0.0, 1.0] {
            for level in 0..<3 {
                let cell = (0..<rows).filter { parents[$0, 0] == s && value[$0, level] == 1 }
                #expect(cell.count > 1_000)
                for target in 0..<3 {
                    let p = mean(cell.map { truth[$0, target] })
                    let q = mean(cell.map { posterior[$0, target] })
                    let tolerance = 4 * (2 * proportionStandardError((p + q) / 2, cell.count)) + 1e-12
                    #expect(abs(p - q) <= tolerance, "s \(s) v \(level) → \(target): truth \(p), posterior \(q)")
                }
                // The factual level is kept under do(S := s).
                #expect(cell.allSatisfy { f.value(parents: parents.gatherRows([$0]), noise: noise.gatherRows([$0]))[0, level] == 1 })
            }
        }
    }

    @Test("linear fit: the binary case equals the engine's logistic Newton solver; the categorical case zeroes the score")
    func linearFitIsMaximumLikelihood() throws {
        var generator = Xoshiro256StarStar(seed: 5)
        let rows = 3_000
        let x = randomMatrix(rows: rows, cols: 2, generator: &generator)
        var binary = Matrix(rows: rows, cols: 1)
        var categorical = Matrix(rows: rows, cols: 3)
        for r in 0..<rows {
            binary[r, 0] = generator.bernoulli(sigmoid(0.3 + x[r, 0] - 2 * x[r, 1]))
            let logits = [0, 0.2 + x[r, 0], -0.5 + 1.5 * x[r, 1]]
            let g = logits.map { $0 - logarithm(-logarithm(generator.uniformPositive())) }
            categorical[r, g.indices.max { g[$0] < g[$1] } ?? 0] = 1
        }
        let fitted = try DiscreteMechanism(fittingLinearInputs: x, targets: binary, ridge: 0, droppedInputs: [])
        let reference = try NewtonSolver.minimise(x: x, labels: binary.storage, weightDecay: 0, tolerance: 1e-12,
                                                  maxIterations: 100)
        #expect(maxAbsDifference(fitted.parameters, reference.parameters) < 1e-8)
        // Categorical: the score Σ xᵣ (pᵣ − yᵣ) is zero at the fit, and the logits are near the truth.
        let multi = try DiscreteMechanism(fittingLinearInputs: x, targets: categorical, ridge: 0, droppedInputs: [])
        let logits = multi.logits(x)
        for a in 0..<2 {
            var score = [0.0, 0.0, 0.0]
            for r in 0..<rows {
                let total = 1 + exponential(logits[r, 0]) + exponential(logits[r, 1])
                let residual = exponential(logits[r, a]) / total - categorical[r, a + 1]
                score[0] += residual * x[r, 0]
                score[1] += residual * x[r, 1]
                score[2] += residual
            }
            #expect(norm(score) < 1e-7, "level \(a + 1): score \(score)")
        }
        // W row-major (inputs x logits), then b; truth W = [[1, 0], [0, 1.5]], b = (0.2, −0.5).
        #expect(allClose(multi.parameters, [1, 0, 0, 1.5, 0.2, -0.5], relative: 0, absolute: 0.2))
    }

    @Test("MLP logits fitted by softmax cross-entropy approach the level frequencies")
    func mlpFitMatchesFrequencies() throws {
        let (_, data) = try Self.discreteModel(rows: 4_000, seed: 2)
        let inputs = data.gatherColumns([0])
        var generator = Xoshiro256StarStar(seed: 3)
        let f = DiscreteMechanism(fittingNetworkInputs: inputs, targets: data.gatherColumns([2, 3, 4]), hidden: [8],
                                  activation: .tanh, epochs: 60, batchSize: 100, learningRate: 0.01,
                                  generator: &generator)
        for s in [0.0, 1.0] {
            let logits = f.logits(Matrix(rows: 1, cols: 1, repeating: s))
            let p = SoftmaxRegression.probabilities(logits: logits)
            let cell = (0..<data.rows).filter { data[$0, 0] == s }
            for a in 0..<2 {
                let frequency = mean(cell.map { data[$0, 3 + a] })
                #expect(abs(p[0, a] - frequency) < 0.03, "s \(s) level \(a + 1): \(p[0, a]) vs \(frequency)")
            }
        }
    }

    @Test("twins under draws: the factual twin is the row, codes are hard, distance 0, a do() off the parents changes nothing")
    func twinsUnderDraws() throws {
        let (model, data) = try Self.discreteModel(rows: 2_000, seed: 7)
        let subset = data.gatherRows(Array(0..<300))
        let draws = 6
        let twins = try model.twins(subset, drawCount: draws, seed: 11)
        #expect(twins.rows == 300 * draws * 2)
        let levels = try model.factualLevels(subset)
        for r in 0..<300 {
            for d in 0..<draws {
                let base = (r * draws + d) * 2
                // Discrete codes exactly; the continuous X to rounding (v − f + f).
                #expect(Array(row(twins, base + levels[r])[0..<5]) == Array(row(subset, r)[0..<5]))
                #expect(abs(twins[base + levels[r], 5] - subset[r, 5]) < 1e-12)
                for level in 0..<2 {
                    let twin = row(twins, base + level)
                    #expect(twin[1] == 0 || twin[1] == 1)
                    #expect(twin[2...4].reduce(0, +) == 1 && twin[2...4].allSatisfy { $0 == 0 || $0 == 1 })
                }
            }
        }
        // Distance 0 from each row to every twin (the discrete noise is not perturbable).
        let repeated = subset.gatherRows((0..<twins.rows).map { $0 / (draws * 2) })
        #expect(try model.metric(repeated, twins).allSatisfy { $0 < 1e-9 })
        // do(X := 0) changes no parent of B or C: both keep their values in every draw.
        let counterfactual = try model.counterfactual(subset, interventions: [(node: 3, values: matrix([[0]]))],
                                                      drawCount: draws, seed: 11)
        for r in 0..<300 {
            for d in 0..<draws {
                #expect(Array(row(counterfactual, r * draws + d)[0..<5]) == Array(row(subset, r)[0..<5]))
            }
        }
        // The draws vary where the posterior is not degenerate.
        #expect(Set((0..<(300 * draws)).map { row(twins, 2 * $0 + 1 - levels[$0 / draws]) }).count > 300)
    }

    @Test("posterior draws do not depend on how rows are split into batches; R = 1 of a model without discrete nodes is abduct")
    func drawsIndependentOfBatches() throws {
        let (model, data) = try Self.discreteModel(rows: 500, seed: 4)
        let whole = try model.twins(data, drawCount: 3, seed: 5)
        let first = try model.twins(data.gatherRows(Array(0..<200)), drawCount: 3, seed: 5)
        let second = try model.twins(data.gatherRows(Array(200..<500)), drawCount: 3, seed: 5, firstRow: 200)
        #expect(bitIdentical(whole.gatherRows(Array(0..<1_200)), first))
        #expect(bitIdentical(whole.gatherRows(Array(1_200..<3_000)), second))
        let (linear, ldata) = try LinearReference.fitted()
        #expect(bitIdentical(try linear.twins(ldata, drawCount: 1, seed: 9), try linear.twins(ldata)))
        #expect(thrownError { try model.twins(data, drawCount: 0, seed: 1) }?.kind == .invalidArgument)
    }

    @Test("R draws in one batched pass are, bit for bit, the R separate abductions of draw d's streams, at any first row")
    func batchedDrawsAreSeparateDraws() throws {
        let (model, data) = try Self.discreteModel(rows: 300, seed: 8)
        for (firstRow, draws) in [(0, 1), (0, 5), (1_000, 4), (Int.max - 7, 3)] {
            let batched = try model.abduct(data, drawCount: draws, seed: 9, firstRow: firstRow)
            for draw in 0..<draws {
                let separate = try model.abduct(data, streams: PosteriorStreams(seed: 9, draw: draw, drawCount: draws,
                                                                                 firstRow: firstRow))
                let rows = (0..<data.rows).map { $0 * draws + draw }
                #expect(bitIdentical(batched.gatherRows(rows), separate), "first row \(firstRow), draw \(draw) of \(draws)")
            }
        }
    }

    @Test("metric: ∞ exactly across a level switch of zero posterior probability (vs joint Gumbel simulation)")
    func metricInfiniteAcrossImpossibleSwitches() throws {
        // S (sensitive) and Z (continuous) → C (4 levels, Gumbel-max).
        let nodes = [
            NodeSpecification(kind: .binary, isSensitive: true),
            NodeSpecification(kind: .continuous),
            NodeSpecification(kind: .categorical(levels: 4), parents: [0, 1], mechanism: .linear(ridge: 0),
                              discrete: .gumbelMax),
        ]
        var generator = Xoshiro256StarStar(seed: 12)
        var data = Matrix(rows: 3_000, cols: 6)
        for r in 0..<3_000 {
            let (s, z) = (generator.bernoulli(0.5), generator.normal())
            let logits = [0, 0.5 * s + z, -0.5 + s - 0.5 * z, 0.3 - s]
            let g = logits.map { $0 - logarithm(-logarithm(generator.uniformPositive())) }
            data[r, 0] = s
            data[r, 1] = z
            data[r, 2 + (g.indices.max { g[$0] < g[$1] } ?? 0)] = 1
        }
        let model = try fittedSCM(nodes, on: data, fitSeed: 1).model
        let f = try #require(model.mechanisms[2] as? DiscreteMechanism)
        // Every pair of levels (i at a, j at b) for a few parent pairs.
        var a = Matrix(rows: 0, cols: 6), b = Matrix(rows: 0, cols: 6)
        var pairs: [(i: Int, j: Int)] = []
        for (sa, za, sb, zb) in [(0.0, 0.0, 1.0, 0.0), (1.0, -1.0, 0.0, 1.0), (0.0, 0.5, 0.0, -0.5)] {
            for i in 0..<4 {
                for j in 0..<4 {
                    var ra = Matrix(rows: 1, cols: 6), rb = Matrix(rows: 1, cols: 6)
                    (ra[0, 0], ra[0, 1], ra[0, 2 + i]) = (sa, za, 1)
                    (rb[0, 0], rb[0, 1], rb[0, 2 + j]) = (sb, zb, 1)
                    a = try Matrix(rows: a.rows + 1, cols: 6, storage: a.storage + ra.storage)
                    b = try Matrix(rows: b.rows + 1, cols: 6, storage: b.storage + rb.storage)
                    pairs.append((i, j))
                }
            }
        }
        let distances = try model.metric(a, b)
        let logitsA = f.logits(a.gatherColumns([0, 1])), logitsB = f.logits(b.gatherColumns([0, 1]))
        for (r, pair) in pairs.enumerated() {
            // The reference: joint simulation of one Gumbel noise at both parents.
            var seen = false
            var simulation = Xoshiro256StarStar(seed: UInt64(r))
            for _ in 0..<20_000 where !seen {
                let g = (0..<4).map { _ in -logarithm(-logarithm(simulation.uniformPositive())) }
                var scoresA = [Double](repeating: 0, count: 4), scoresB = scoresA
                for k in 0..<4 {
                    let la: Double = k == 0 ? 0 : logitsA[r, k - 1]
                    let lb: Double = k == 0 ? 0 : logitsB[r, k - 1]
                    scoresA[k] = la + g[k]
                    scoresB[k] = lb + g[k]
                }
                let i = scoresA.indices.max { scoresA[$0] < scoresA[$1] } ?? 0
                let j = scoresB.indices.max { scoresB[$0] < scoresB[$1] } ?? 0
                seen = i == pair.i && j == pair.j
            }
            if distances[r].isInfinite {
                #expect(!seen, "pair \(r) \(pair): simulated, yet the metric says impossible")
            } else if pair.i != pair.j {
                let shift = { (k: Int) in k == 0 ? 0 : logitsB[r, k - 1] - logitsA[r, k - 1] }
                #expect(seen || shift(pair.j) - shift(pair.i) < 0.5, "pair \(r) \(pair): possible, never simulated")
            }
            if pair.i == pair.j { #expect(distances[r].isFinite) }
        }
        #expect(distances.contains { $0.isInfinite } && distances.contains { $0.isFinite })
    }

    @Test("a fitted Gumbel-max model round-trips through its exported state; its noise columns are not perturbable")
    func stateRoundTrip() throws {
        let (model, data) = try Self.discreteModel(rows: 1_000, seed: 6)
        var restored = try StructuralCausalModel(nodes: model.nodes)
        try restored.importState(parameters: model.exportedParameters(), latentSample: model.latentSample)
        #expect(sameMechanisms(restored.mechanisms, model.mechanisms))
        #expect(bitIdentical(try restored.twins(data, drawCount: 2, seed: 1), try model.twins(data, drawCount: 2, seed: 1)))
        #expect(model.perturbable == [false, false, false, false, false, true])
        // B: 1 logit over 1 parent column (2 parameters); C: 2 logits (4); X: 4 + 1 inputs... (5 + 1).
        #expect(model.parameterCount == 2 + 4 + 5)
    }
}

/// Randomised inputs of the new paths: levels never observed, constant (one-level)
/// parents, up to K = 20 levels, one row, R = 1 and large R. The linear fit always
/// succeeds, an MLP fit succeeds or throws `CausalFairError`, and every fitted mechanism must give finite noise that
/// reproduces the observed codes.
@Suite("Discrete mechanisms: randomised inputs")
struct DiscreteMechanismFuzzTests {
    @Test("fits and posterior draws never trap, and always reproduce the observed levels", arguments: 0..<24)
    func randomCase(_ seed: Int) throws {
        var generator = Xoshiro256StarStar(seed: UInt64(seed), stream: 77)
        let levels = 2 + generator.index(below: 19)
        let width = levels == 2 && generator.bernoulli(0.5) == 1 ? 1 : levels
        let rows = [1, 2, 7, 60][generator.index(below: 4)]
        let inputs = generator.index(below: 3)
        let constantParent = generator.bernoulli(0.3) == 1
        var parents = randomMatrix(rows: rows, cols: inputs, scale: [1, 1e3][generator.index(below: 2)],
                                   generator: &generator)
        if constantParent, inputs > 0 { for r in 0..<rows { parents[r, 0] = 1 } }
        // Only a few of the levels are ever observed.
        let observed = 1 + generator.index(below: min(levels, 3))
        var targets = Matrix(rows: rows, cols: width)
        for r in 0..<rows {
            let level = generator.index(below: observed)
            if width == 1 { targets[r, 0] = Double(level) } else { targets[r, level] = 1 }
        }
        let specifications: [MechanismSpecification] = [
            .linear(ridge: [0, 1e-3][generator.index(below: 2)]),
            .mlp(hidden: [3], activation: .tanh, epochs: 2, batchSize: 4, learningRate: 0.05),
        ]
        for specification in specifications {
            var fitting = Xoshiro256StarStar(seed: UInt64(seed))
            let fitted: (any Mechanism)?
            do {
                fitted = try specification.fitted(inputs: parents, targets: targets, droppedInputs: [],
                                                  gumbelMax: true, generator: &fitting)
            } catch let error as CausalFairError {
                // Only an MLP may fail (divergence); the Newton fit always ends finite.
                guard case .mlp = specification else { throw error }
                continue
            }
            let f = try #require(fitted)
            #expect(f.parameters.count == (try specification.parameterCount(inputs: inputs, outputs: width,
                                                                            gumbelMax: true)))
            #expect(f.parameters.allSatisfy { $0.isFinite })
            for drawCount in [1, 1_000] where rows * drawCount <= 10_000 {
                for draw in [0, drawCount - 1] {
                    let streams = PosteriorStreams(seed: 3, draw: draw, drawCount: drawCount)
                    let noise = try f.abduct(parents: parents, value: targets, streams: streams)
                    #expect(!noise.storage.contains { $0.isNaN })
                    #expect(bitIdentical(f.value(parents: parents, noise: noise), targets),
                            "K \(levels) width \(width) rows \(rows) \(specification)")
                }
            }
        }
    }
}
