// The engine's element-count and radius limits, stated once: the checks of result
// sizes and of perturbation radii read them from here.

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
