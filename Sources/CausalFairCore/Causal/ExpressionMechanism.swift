/// An exact mechanism V = outer(f(Pa) + U) with f an `Expression` and `outer` an
/// invertible `OuterFunction` (post-nonlinear; additive when outer is the identity).
/// It has no parameters: fitting leaves it unchanged.
public struct ExpressionMechanism: Sendable, Equatable {
    /// f, over the node's parent columns.
    public var expression: Expression
    /// The outer function.
    public var outer: OuterFunction

    /// A mechanism from its parts.
    public init(expression: Expression, outer: OuterFunction = .identity) {
        self.expression = expression
        self.outer = outer
    }

    /// outer(f(pa) + u), row by row (one output column).
    public func value(parents: Matrix, noise: Matrix) -> Matrix {
        let f = expression.evaluate(parents)
        return columnMatrix((0..<parents.rows).map { outer.apply(f[$0] + noise.storage[$0]) })
    }

    /// u = outer⁻¹(v) − f(pa); throws when some v is outside the outer function's range.
    public func noise(parents: Matrix, value: Matrix) throws -> Matrix {
        let f = expression.evaluate(parents)
        return columnMatrix(try (0..<parents.rows).map { r in
            guard let t = outer.invert(value.storage[r]) else {
                throw CausalFairError.invalidArgument("row \(r): value \(value.storage[r]) is outside the range of the node's mechanism")
            }
            return t - f[r]
        })
    }

    /// Cotangents of the parents and of the noise, given the cotangent of the value.
    public func vectorJacobianProduct(parents: Matrix, noise: Matrix, cotangent: Matrix) -> (parents: Matrix, noise: Matrix) {
        let f = expression.evaluate(parents)
        let slopes = (0..<parents.rows).map { outer.derivative(f[$0] + noise.storage[$0]) * cotangent.storage[$0] }
        return (expression.inputGradient(parents, cotangent: slopes), columnMatrix(slopes))
    }

    private func columnMatrix(_ values: [Double]) -> Matrix {
        (try? Matrix(rows: values.count, cols: 1, storage: values)) ?? Matrix(rows: 0, cols: 1)
    }
}
