#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Elementary functions from the C library, named once so the rest of the engine
/// does not import the platform module.
@inlinable public func logarithm(_ x: Double) -> Double { log(x) }
/// e^x.
@inlinable public func exponential(_ x: Double) -> Double { exp(x) }
/// cos x.
@inlinable public func cosine(_ x: Double) -> Double { cos(x) }
/// Hyperbolic tangent.
@inlinable public func hyperbolicTangent(_ x: Double) -> Double { tanh(x) }
/// x^y.
@inlinable public func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
/// The logistic function 1 / (1 + e^-x), computed without overflow.
@inlinable public func sigmoid(_ x: Double) -> Double {
    x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
}

/// log(1 + e^x), computed without overflow.
@inlinable public func softplus(_ x: Double) -> Double {
    max(x, 0) + log1p(exp(-abs(x)))
}

/// log(1 + x), accurate for small x.
@inlinable public func logOnePlus(_ x: Double) -> Double { log1p(x) }
