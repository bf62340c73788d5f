import Testing
@testable import CausalFairCore

/// Counterfactual twins: one per combination of sensitive levels.
@Suite("Twins")
struct TwinTests {
    typealias L = LinearReference
    typealias C = CategoricalReference

    @Test("the factual twin equals the row, the other twin is the counterfactual")
    func factualTwinIsRow() throws {
        let (model, data) = try L.fitted()
        let subset = data.gatherRows(Array(0..<100))
        #expect(model.twinLevelCount == 2)
        let twins = try model.twins(subset)
        #expect(twins.rows == 200 && twins.cols == 4)
        let factual = try model.factualLevels(subset)
        for r in 0..<100 {
            #expect(factual[r] == Int(subset[r, 0]))
            #expect(maxAbsDifference(row(twins, 2 * r + factual[r]), row(subset, r)) < 1e-12)
            for level in 0..<2 { #expect(twins[2 * r + level, 0] == Double(level)) }
        }
        for level in 0..<2 {
            let cf = try model.counterfactual(subset, interventions: [(node: L.s, values: matrix([[Double(level)]]))])
            let block = twins.gatherRows((0..<100).map { 2 * $0 + level })
            #expect(maxAbsDifference(block, cf) < 1e-12)
        }
    }

    @Test("the twins of a twin are the same set, in the same level order")
    func twinsOfTwin() throws {
        let (model, data) = try C.fitted()
        let subset = data.gatherRows(Array(0..<5))
        let twins = try model.twins(subset)
        let levels = model.twinLevelCount
        for r in 0..<5 {
            let own = twins.gatherRows(Array((r * levels)..<((r + 1) * levels)))
            for k in [0, 3, 9, 15] {
                let twinsOfTwin = try model.twins(twins.gatherRows([r * levels + k]))
                #expect(maxAbsDifference(twinsOfTwin, own) < 1e-9, "row \(r), twin \(k)")
            }
        }
    }

    @Test("a categorical sensitive node with 8 levels and a binary one give 16 twin levels, last fastest")
    func levelTable() throws {
        let model = try StructuralCausalModel(nodes: C.nodes())
        #expect(model.sensitiveNodes == [0, 1])
        #expect(model.twinLevelCount == 16)
        var seen = Set<[Int]>()
        for level in 0..<16 {
            let digits = model.sensitiveLevels(ofTwinLevel: level)
            #expect(digits == [level / 2, level % 2], "level \(level)")
            seen.insert(digits)
        }
        #expect(seen.count == 16)
        #expect(seen == Set((0..<8).flatMap { r in (0..<2).map { [r, $0] } }))
    }

    @Test("factualLevels is r-level * 2 + s and inverts sensitiveLevels")
    func factualLevelsCategorical() throws {
        let (model, data) = try C.fitted()
        let levels = try model.factualLevels(data)
        for r in 0..<data.rows {
            let rLevel = try #require(C.rColumns.first { data[r, $0] == 1 })
            let s = Int(data[r, C.sColumn])
            #expect(levels[r] == rLevel * 2 + s)
            #expect(model.sensitiveLevels(ofTwinLevel: levels[r]) == [rLevel, s])
        }
    }

    @Test("categorical twins carry each level's code and the closed-form counterfactual")
    func categoricalTwinValues() throws {
        let (model, data) = try C.fitted()
        let x = try #require(linearMechanism(model, C.x))
        let y = try #require(linearMechanism(model, C.y))
        let subset = data.gatherRows(Array(0..<20))
        let twins = try model.twins(subset)
        #expect(twins.rows == 20 * 16 && twins.cols == C.columns)
        let factual = try model.factualLevels(subset)
        for r in 0..<20 {
            let (r0, s0) = (factual[r] / 2, factual[r] % 2)
            for level in 0..<16 {
                let t = r * 16 + level
                let (r1, s1) = (level / 2, level % 2)
                let code = (0..<8).map { $0 == r1 ? 1.0 : 0.0 }
                #expect(row(twins, t)[0..<8].elementsEqual(code))
                #expect(twins[t, C.sColumn] == Double(s1))
                // X: weights rows 0..7 on R's one-hot, row 8 on S.
                let dx = x.weights[r1, 0] - x.weights[r0, 0] + x.weights[8, 0] * Double(s1 - s0)
                #expect(abs(twins[t, C.xColumn] - (subset[r, C.xColumn] + dx)) < 1e-12)
                // Y: weights row 0 on X, rows 1..8 on R's one-hot.
                let dy = y.weights[0, 0] * dx + y.weights[1 + r1, 0] - y.weights[1 + r0, 0]
                #expect(abs(twins[t, C.yColumn] - (subset[r, C.yColumn] + dy)) < 1e-12)
            }
            #expect(maxAbsDifference(row(twins, r * 16 + factual[r]), row(subset, r)) < 1e-12)
        }
    }

    @Test("factualLevels rejects a sensitive value that is not a level")
    func factualLevelsRejectsNonLevel() throws {
        let (model, data) = try L.fitted()
        var bad = data.gatherRows([0, 1])
        bad[1, 0] = 0.5
        let error = thrownError { try model.factualLevels(bad) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("row 1") == true)
        let (categorical, cdata) = try C.fitted()
        var twoHot = cdata.gatherRows([0])
        for c in 0..<8 { twoHot[0, c] = c < 2 ? 1 : 0 }
        #expect(thrownError { try categorical.factualLevels(twoHot) }?.kind == .invalidArgument)
    }

    @Test("twins and the ball reject a sensitive value that is not a level", arguments: [2.0, 0.5])
    func twinsRejectNonLevel(value: Double) throws {
        // The twins' contract is that the factual level reproduces the row; a row whose
        // binary sensitive column is coded 2 (or 0.5) has no factual level, so its
        // "twins" would silently be counterfactuals of an impossible individual.
        let (model, data) = try L.fitted(rows: 200)
        var bad = data.gatherRows([0, 1, 2])
        bad[2, L.s] = value
        #expect(thrownError { try model.twins(bad) }?.kind == .invalidArgument)
        #expect(thrownError {
            try model.perturbationBall(bad, radius: 0.1, samples: 2, factualOnly: false, seed: 1)
        }?.kind == .invalidArgument)
        #expect(thrownError {
            try model.perturbationBall(bad, radius: 0.1, samples: 2, factualOnly: true, seed: 1)
        }?.kind == .invalidArgument)
    }
}
