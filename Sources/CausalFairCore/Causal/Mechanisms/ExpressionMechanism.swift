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

    fileprivate func columnMatrix(_ values: [Double]) -> Matrix {
        (try? Matrix(rows: values.count, cols: 1, storage: values)) ?? Matrix(rows: 0, cols: 1)
    }
}

extension ExpressionMechanism: Mechanism {
    /// u = outer⁻¹(v) − f(pa), the only noise that explains v; throws when some v is
    /// outside the outer function's range.
    func abduct(parents: Matrix, value: Matrix, streams: PosteriorStreams) throws -> Matrix {
        let f = expression.evaluate(parents)
        return columnMatrix(try (0..<parents.rows).map { r in
            guard let t = outer.invert(value.storage[r]) else {
                throw CausalFairError.invalidArgument("row \(r): value \(value.storage[r]) is outside the range of the node's mechanism")
            }
            return t - f[r]
        })
    }

    /// The value; the tape keeps the inputs (the outer slope is evaluated by the pullback).
    func recording(parents: Matrix, noise: Matrix) -> (value: Matrix, tape: Tape) {
        (value(parents: parents, noise: noise), Tape(mechanism: self, parents: parents, noise: noise))
    }

    /// An expression's recorded evaluation: its inputs.
    struct Tape: MechanismTape {
        let mechanism: ExpressionMechanism
        let parents: Matrix
        let noise: Matrix

        /// With t = f(pa) + u: (outer′(t) c ∂f/∂pa, outer′(t) c).
        func pullback(_ cotangent: Matrix) -> (parents: Matrix, noise: Matrix) {
            let f = mechanism.expression.evaluate(parents)
            let slopes = (0..<parents.rows).map {
                mechanism.outer.derivative(f[$0] + noise.storage[$0]) * cotangent.storage[$0]
            }
            return (mechanism.expression.inputGradient(parents, cotangent: slopes), mechanism.columnMatrix(slopes))
        }
    }

    /// None: an expression's range over a set is not bounded here.
    func bounds(parents: AffineBounds, noise: AffineBounds) -> AffineBounds? { nil }

    /// None: an expression is exact, not fitted.
    var parameters: [Double] { [] }
}
