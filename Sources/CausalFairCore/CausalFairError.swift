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

/// The largest number of `Double` elements one result may hold (2^31 − 1, 16 GiB): every
/// size then also fits the 32-bit indices of OpenBLAS (converting 2^31 would trap).
public let maximumElementCount = (1 << 31) - 1

/// The largest perturbation radius the ball and the audits accept (in standardized
/// latent units, where the data's scale is 1): beyond it points overflow to infinity.
public let maximumRadius = 1e6

/// Multiplies sizes, throwing `tooLarge` on overflow or beyond `maximumElementCount`.
public func checkedProduct(_ factors: Int..., what: String) throws -> Int {
    var product = 1
    for factor in factors {
        guard factor >= 0 else { throw CausalFairError.invalidArgument("\(what): negative size \(factor)") }
        let (result, overflow) = product.multipliedReportingOverflow(by: factor)
        guard !overflow, result <= maximumElementCount else {
            throw CausalFairError.tooLarge("\(what) would need more than \(maximumElementCount) elements")
        }
        product = result
    }
    return product
}
