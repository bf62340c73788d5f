#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// The engine's own threads: work cut into pieces whose partition the caller fixes
/// independently of the thread count, each piece computed on one of up to `threads`
/// threads, and the results returned in piece order — so a caller that reduces them in
/// that order gets the same bits for any thread count.
///
/// The threads are libdispatch's worker pool (`DispatchQueue.concurrentPerform`), which
/// the process keeps alive between calls; the calling thread works too. Each piece must
/// touch only its own data (no shared mutable state). OpenBLAS runs single-threaded
/// inside every piece (`BLAS`), so `threads` is also the number of cores used.
public enum ParallelPieces {
    /// The largest thread count a caller may ask for.
    public static let maximumThreads = 1024

    /// The processors online (at least 1). Python passes its own count of the cores the
    /// process may run on (`os.sched_getaffinity`), so this is the C ABI's default only.
    public static var availableCores: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// The threads a setting asks for: 0 means every available core; throws outside
    /// [0, `maximumThreads`] (`name` is the setting's name in the message).
    public static func threads(_ requested: Int, name: String = "n_threads") throws -> Int {
        guard requested >= 0, requested <= maximumThreads else {
            throw CausalFairError.invalidArgument(
                "\(name): expected an int in [0, \(maximumThreads)] (0: every available core), got \(requested)")
        }
        return requested == 0 ? availableCores : requested
    }

    /// `work(i)` for every piece i in 0..<count, on up to `threads` threads (pieces are
    /// handed out in order as threads become free), as an array in piece order. When
    /// pieces throw, every piece still runs to its end or its error, and the error of the
    /// lowest piece that threw is rethrown — the same error for any thread count.
    static func map<T: Sendable>(_ count: Int, threads: Int, _ work: @Sendable (Int) throws -> T) throws -> [T] {
        let workers = min(max(threads, 1), count)
        guard workers > 1 else { return try (0..<count).map(work) }
        let slots = Slots<T>(count: count)
        defer { slots.release() }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let piece = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard piece < count else { return }
                slots.store(Result { try work(piece) }, at: piece)
            }
        }
        return try slots.results()
    }

    /// One result slot per piece, each written by the one thread that ran its piece and
    /// read after `concurrentPerform` returned (which orders the writes before the
    /// reads): disjoint writes, hence the unchecked `Sendable`.
    private struct Slots<T>: @unchecked Sendable {
        private let buffer: UnsafeMutableBufferPointer<Result<T, any Error>?>

        init(count: Int) {
            buffer = .allocate(capacity: count)
            buffer.initialize(repeating: nil)
        }

        func store(_ result: Result<T, any Error>, at piece: Int) { buffer[piece] = result }

        /// The results in piece order; the lowest piece's error when one threw.
        func results() throws -> [T] {
            try buffer.map { result in
                guard let result else { throw CausalFairError.computation("a parallel piece did not run") }
                return try result.get()
            }
        }

        func release() {
            _ = buffer.deinitialize()
            buffer.deallocate()
        }
    }

    /// The sizes of `count` items cut into consecutive pieces of at most `pieceSize`
    /// items, as equal as possible (the first pieces one larger): ⌈count / pieceSize⌉
    /// pieces, a partition that depends on `count` and `pieceSize` only.
    static func pieceRanges(_ count: Int, pieceSize: Int) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let pieces = (count + max(pieceSize, 1) - 1) / max(pieceSize, 1)
        let (base, extra) = (count / pieces, count % pieces)
        var ranges: [Range<Int>] = []
        var start = 0
        for piece in 0..<pieces {
            let size = base + (piece < extra ? 1 : 0)
            ranges.append(start..<(start + size))
            start += size
        }
        return ranges
    }
}

/// A caller's progress callback as work running in `ParallelPieces.map` may use it: it
/// is called only on the thread that created this value (the caller's, which works on
/// pieces too), and once it has returned false every piece on every thread is told to
/// stop. The callback is never called concurrently and never from another thread, hence
/// the unchecked `Sendable`.
struct CallerProgress: @unchecked Sendable {
    private let thread = pthread_self()
    private let callback: (Int, Int) -> Bool
    private let stopped = StopFlag()

    /// Wraps `callback(done, total)`, which must outlive every use of this value.
    init(_ callback: @escaping (Int, Int) -> Bool) { self.callback = callback }

    /// On the caller's thread, calls the callback (its false stops every piece); on every
    /// thread, whether to go on.
    func keepGoing(done: Int, total: Int) -> Bool {
        if pthread_equal(pthread_self(), thread) != 0, !callback(done, total) { stopped.flag.store(true, ordering: .relaxed) }
        return !stopped.flag.load(ordering: .relaxed)
    }

    /// The flag the pieces share.
    private final class StopFlag: Sendable {
        let flag = Atomic<Bool>(false)
    }
}
