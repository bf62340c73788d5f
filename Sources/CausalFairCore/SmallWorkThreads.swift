/// The thread count for a loop of many small, equal-sized parallel calls (training's
/// minibatches): waking the pool's threads costs ≈ 0.2–0.3 ms per call on this project's
/// machines, more than a step whose work is that small saves, so such loops run on the
/// calling thread.
///
/// The first `probeCalls` calls run on one thread and are timed; from then on the loop
/// uses `threads` if their median took at least the threshold (`parallelFrom` seconds by
/// default), else one thread. The choice changes only where the work runs, never its pieces or their
/// streams, so results are the same bits whichever count it picks (`ParallelPieces`).
/// Measured on Adult (d→100→100→1, batch 100 in 2 pieces, 2 cores, idle): erm takes
/// 0.29 ms per step on one thread and was 0.80× as fast on two; al (2.0 ms), capify
/// (2.6 ms) and causal_at (5.9 ms) were 1.53–1.74× faster on two.
struct SmallWorkThreads {
    /// Calls timed on one thread before choosing.
    static let probeCalls = 5
    /// Median seconds per call from which the loop uses every thread it may.
    static let parallelFrom = 0.001

    /// The threads the loop may use.
    let threads: Int
    /// The median seconds per call from which it uses them.
    let threshold: Double
    private var probes: [Double] = []
    private var chosen: Int?

    init(threads: Int, parallelFrom threshold: Double = Self.parallelFrom) {
        self.threads = threads
        self.threshold = threshold
        if threads <= 1 { chosen = 1 } else if threshold <= 0 { chosen = threads }
    }

    /// The count chosen, once the probes are done (nil while probing).
    var choice: Int? { chosen }

    /// Runs `work(threads)`: on one thread, timed, while probing; then on the count chosen.
    mutating func run<T>(_ work: (Int) throws -> T) rethrows -> T {
        if let chosen { return try work(chosen) }
        let start = ContinuousClock.now
        let result = try work(1)
        record(seconds: Self.seconds(ContinuousClock.now - start))
        return result
    }

    /// Records one probe's time and chooses after `probeCalls` probes.
    mutating func record(seconds: Double) {
        guard chosen == nil else { return }
        probes.append(seconds)
        if probes.count >= Self.probeCalls {
            chosen = probes.sorted()[probes.count / 2] >= threshold ? threads : 1
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
