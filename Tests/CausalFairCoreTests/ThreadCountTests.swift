import Testing
@testable import CausalFairCore

/// The engine's threads (`ParallelPieces`): the partition into pieces is fixed by the
/// work, results come back in piece order, and training and audits give the same bits
/// on 1, 2 or 3 threads.
@Suite("Threads: results independent of the thread count")
struct ThreadCountTests {
    @Test("pieceRanges: consecutive, covering, at most pieceSize, sizes differing by at most 1")
    func pieceRanges() {
        for count in [1, 7, 25, 26, 99, 100, 101, 1000] {
            for size in [1, 3, 25, 64, 2000] {
                let ranges = ParallelPieces.pieceRanges(count, pieceSize: size)
                #expect(ranges.count == (count + size - 1) / size)
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                let sizes = ranges.map(\.count)
                #expect(sizes.allSatisfy { $0 >= 1 && $0 <= size })
                #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
            }
        }
        #expect(ParallelPieces.pieceRanges(100, pieceSize: ObjectiveContext.pieceRows).map(\.count) == [50, 50])
        #expect(ParallelPieces.pieceRanges(0, pieceSize: 5).isEmpty)
    }

    @Test("map: results in piece order on any thread count; the lowest failing piece's error")
    func mapOrderAndErrors() throws {
        for threads in [1, 2, 3, 8] {
            let squares = try ParallelPieces.map(50, threads: threads) { $0 * $0 }
            #expect(squares == (0..<50).map { $0 * $0 })
            #expect(throws: CausalFairError.invalidArgument("piece 7")) {
                _ = try ParallelPieces.map(20, threads: threads) { p -> Int in
                    if p == 7 || p == 13 { throw CausalFairError.invalidArgument("piece \(p)") }
                    return p
                }
            }
        }
        #expect(try ParallelPieces.map(0, threads: 2) { $0 }.isEmpty)
    }

    @Test("threads: 0 means the available cores; outside [0, maximumThreads] is refused")
    func threadSetting() throws {
        #expect(try ParallelPieces.threads(0) == ParallelPieces.availableCores)
        #expect(try ParallelPieces.threads(3) == 3)
        for bad in [-1, ParallelPieces.maximumThreads + 1] {
            #expect(throws: CausalFairError.self) { try ParallelPieces.threads(bad) }
        }
    }

    /// LIN rows, labels from a noisy logistic rule, and its fitted SCM's space.
    static func data() throws -> (x: Matrix, labels: [Double], scm: StructuralCausalModel) {
        let (scm, _) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 230, seed: 5)
        var generator = Xoshiro256StarStar(seed: 6)
        let labels = (0..<x.rows).map { r in x[r, 0] - 0.5 * x[r, 2] + 0.3 * generator.normal() > 0 ? 1.0 : 0.0 }
        return (x, labels, scm)
    }

    @Test("training: every objective gives the same bits on 1, 2 and 3 threads (batches of 3, 2 and 1 pieces)",
          arguments: Objective.allCases)
    func trainingBits(objective: Objective) throws {
        let (x, labels, scm) = try Self.data()
        let model = try trainingNetwork([3, 6, 1], .tanh, seed: 3, scale: 0.3)
        for batchSize in [150, 75] {
            var configuration = TrainingConfiguration()
            configuration.objective = objective
            configuration.epochs = 2
            configuration.batchSize = batchSize
            configuration.steps = 3
            configuration.samples = 4
            configuration.twinPenalty = objective == .erm ? 0.5 : 0  // the penalty's pieces too
            configuration.seed = 11
            configuration.parallelFromSeconds = 0  // these batches are small: use the threads anyway
            let runs = try [1, 2, 3].map { threads in
                configuration.threads = threads
                return try Trainer.train(model, x: x, labels: labels, scm: scm, configuration: configuration)
            }
            #expect(runs[0].model.parameters != model.parameters)
            for run in runs.dropFirst() {
                #expect(bitIdentical(run.model.parameters, runs[0].model.parameters), "\(objective), batch \(batchSize)")
                #expect(bitIdentical(run.trainingLosses, runs[0].trainingLosses))
            }
        }
    }

    @Test("small work runs on the calling thread: probes on 1 thread, then 1 below the threshold, all above it")
    func smallWorkThreads() {
        var small = SmallWorkThreads(threads: 4, parallelFrom: 0.001)
        var large = SmallWorkThreads(threads: 4, parallelFrom: 0.001)
        #expect(small.run { $0 } == 1)  // a probe: one thread, timed (far below 1 ms)
        for _ in 1..<SmallWorkThreads.probeCalls {
            #expect(small.choice == nil && large.choice == nil)
            small.record(seconds: 0.0002)
            large.record(seconds: 0.005)
        }
        large.record(seconds: 0.005)
        #expect(small.choice == 1 && small.run { $0 } == 1)
        #expect(large.choice == 4 && large.run { $0 } == 4)
        var forced = SmallWorkThreads(threads: 3, parallelFrom: 0)
        #expect(forced.run { $0 } == 3)
        var single = SmallWorkThreads(threads: 1)
        #expect(single.choice == 1)
        _ = single.run { $0 }
    }

    @Test("twins in pieces: the same bits on 1, 2 and 3 threads, and the pieces' rows are the one-piece twins")
    func twinPieces() throws {
        let (_, space) = try AuditLIN.fitted()
        let latent = try space.phi(AuditLIN.sample(rows: 2 * Trainer.twinPieceRows + 17, seed: 9))
        let runs = try [1, 2, 3].map { try Trainer.allTwins(latent, space: space, threads: $0) }
        #expect(runs[0].rows == latent.rows * space.levelCount)
        for run in runs.dropFirst() { #expect(bitIdentical(run, runs[0])) }
        let first = try Trainer.allTwins(latent.gatherRows(Array(0..<100)), space: space)
        #expect(maxAbsDifference(first, runs[0].gatherRows(Array(0..<first.rows))) <= 1e-12)
    }

    @Test("a batch's pieces add up to the batch: loss and gradient equal the one-piece evaluation up to rounding",
          arguments: [Objective.erm, .causalAT, .llr])
    func piecesAddUp(objective: Objective) throws {
        let (x, labels, scm) = try Self.data()
        let space = try LatentSpace(scm: scm, columns: x.cols)
        var configuration = TrainingConfiguration()
        configuration.objective = objective
        configuration.steps = 3
        let model = try trainingNetwork([3, 6, 1], .tanh, seed: 4, scale: 0.3)
        let latent = try space.phi(x)
        let all = TrainingBatch(x: x, labels: labels, latent: latent, twins: try Trainer.allTwins(latent, space: space),
                                levelCount: space.levelCount, weights: (0..<x.rows).map { 0.5 + Double($0 % 3) / 2 })
        let batch = all.gathering(Array(0..<150))
        let context = ObjectiveContext(model: model, configuration: configuration, space: space, jacobian: nil)
        let pieces = try context.evaluateInPieces(batch, step: 0, threads: 2)
        // llr's inner start is random: compare with the pieces' own streams, each piece alone.
        var whole = (loss: 0.0, gradient: [Double](repeating: 0, count: model.parameters.count))
        if objective == .llr {
            for (p, range) in ParallelPieces.pieceRanges(150, pieceSize: ObjectiveContext.pieceRows).enumerated() {
                var generator = Xoshiro256StarStar(seed: configuration.seed, stream: UInt64(p))
                let part = try context.evaluate(batch.piece(range), generator: &generator)
                whole.loss += part.loss
                accumulate(&whole.gradient, part.gradient)
            }
            #expect(bitIdentical([pieces.loss] + pieces.gradient, [whole.loss] + whole.gradient))
        } else {
            var generator = Xoshiro256StarStar(seed: 0)
            whole = try context.evaluate(batch, generator: &generator)
            #expect(trainingClose([pieces.loss] + pieces.gradient, [whole.loss] + whole.gradient, relative: 1e-12,
                                  absolute: 1e-14))
        }
    }

    @Test("audits: sample and attack give the same flags, levels and witness bits on 1, 2 and 3 threads")
    func auditBits() throws {
        let (_, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 700, seed: 27)
        let mlp = try trainingNetwork([3, 8, 1], .tanh, seed: 8)
        let audit = try UnfairnessAudit(model: mlp, space: space, logitThreshold: 0)
        for method in [AuditMethod.sample(samples: 20), .attack(steps: 5, restarts: 3, stepSize: 0)] {
            let runs = try [1, 2, 3].map { threads in
                try audit.run(x, radius: 0.3, factualOnly: false, method: method, seed: 42, threads: threads)
            }
            #expect(auditCount(runs[0].flags) > 0)
            for run in runs.dropFirst() {
                #expect(run.flags == runs[0].flags && run.witnessLevels == runs[0].witnessLevels, "\(method)")
                #expect(bitIdentical(run.witnesses, runs[0].witnesses), "\(method)")
            }
        }
    }

    @Test("audits: a progress callback returning false stops every thread's pieces")
    func auditStops() throws {
        let (_, space) = try AuditLIN.fitted()
        let x = AuditLIN.sample(rows: 700, seed: 28)
        let audit = try UnfairnessAudit(model: try trainingNetwork([3, 8, 1], .tanh, seed: 8), space: space,
                                        logitThreshold: 0)
        var calls = 0
        #expect(throws: CausalFairError.interrupted("audit interrupted")) {
            _ = try audit.run(x, radius: 0.3, factualOnly: false, method: .attack(steps: 50, restarts: 3, stepSize: 0),
                              seed: 1, threads: 2) { _, _ in
                calls += 1
                return false
            }
        }
        #expect(calls >= 1)
    }
}
