/// The one error type the engine throws. Each case maps to one status code of the
/// C ABI and so to one Python exception class.
public enum CausalFairError: Error, Equatable, Sendable {
    /// A value, shape or setting the caller passed is not acceptable (`ValueError`).
    case invalidArgument(String)
    /// An argument of the wrong kind, such as a handle of another type (`TypeError`).
    case invalidType(String)
    /// A result would need more memory than the engine allows (`MemoryError`).
    case tooLarge(String)
    /// The computation failed numerically, or needs a fitted model (`RuntimeError`).
    case computation(String)
    /// A node index outside the model (`KeyError`).
    case unknownNode(String)
    /// The caller asked the work to stop (`KeyboardInterrupt`).
    case interrupted(String)

    /// The human-readable message carried by the error.
    public var message: String {
        switch self {
        case .invalidArgument(let m), .invalidType(let m), .tooLarge(let m),
             .computation(let m), .unknownNode(let m), .interrupted(let m):
            return m
        }
    }
}
