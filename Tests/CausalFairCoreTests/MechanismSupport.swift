@testable import CausalFairCore

/// Whether two lists of mechanisms are equal node by node: both absent, or of the
/// same conformance and equal. (In the test target: `Mechanism` is internal to the core.)
func sameMechanisms(_ a: [(any Mechanism)?], _ b: [(any Mechanism)?]) -> Bool {
    func equal<M: Mechanism>(_ m: M, _ other: any Mechanism) -> Bool { (other as? M) == m }
    return a.count == b.count && zip(a, b).allSatisfy { pair in
        switch pair {
        case (nil, nil): return true
        case (let m?, let other?): return equal(m, other)
        default: return false
        }
    }
}
