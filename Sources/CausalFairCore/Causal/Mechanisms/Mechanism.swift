/// A node's fitted mechanism: how its encoded columns V (one row per individual)
/// follow from its parents' encoded columns Pa and its own noise U, which has V's
/// width. Roots have none (V = U). Every requirement works on a whole batch: the
/// model calls a mechanism once per node per pass, never once per row, so the cost
/// of going through `any Mechanism` is paid per node, not per row.
///
/// The contract every conformance keeps (`MechanismPropertyTests` checks it for each):
/// - **Inverse in the noise.** `value(parents: pa, noise: abduct(parents: pa, value: v, …))`
///   is v for every v the mechanism can produce: a deterministic abduction returns the
///   one noise that explains v; a sampling one (a discrete node's Gumbel-max mechanism,
///   DESIGN §4) returns a draw from the noise's posterior given (v, pa), which explains v
///   too. Deterministic mechanisms ignore the streams.
/// - **Recording.** `recording` returns `value`'s result bit for bit, and a tape whose
///   `pullback` is the vector–Jacobian product of (pa, u) ↦ value at that point — or,
///   for a sampling mechanism whose value is piecewise constant (Gumbel-max), the
///   vector–Jacobian product of its relaxation at that point, a straight-through
///   surrogate (`GumbelSoftmax`: softmax((ℓ(pa) + u)/τ)) that lets searches through
///   φ⁻¹ move the node while every value stays hard; each conformance has its own tape
///   type, so a tape can only be pulled back by the mechanism that recorded it.
/// - **Bounds.** `bounds` encloses value(pa, u) for every pa and u in the given sets
///   (the same ball drives both), or is nil when the mechanism admits no bound; bound
///   propagation through the model then gives up (never an unsound bound).
/// - **Parameters.** `parameters` is the flat export; rebuilding from it through
///   `MechanismSpecification.mechanism(inputs:outputs:parameters:)` gives the same
///   mechanism bit for bit.
///
/// Adding a mechanism: see ARCHITECTURE.md, "Adding a mechanism".
protocol Mechanism: Sendable, Equatable {
    /// What `pullback` needs from the forward evaluation.
    associatedtype Tape: MechanismTape

    /// The node's value from its parents' columns and its own noise.
    func value(parents: Matrix, noise: Matrix) -> Matrix

    /// The node's noise given its value and its parents' columns (abduction): the
    /// unique noise for a deterministic mechanism, or one posterior draw per row taken
    /// from `streams.generator(row:)`. Throws when some value cannot be produced by the
    /// mechanism (e.g. outside a post-nonlinear function's range).
    func abduct(parents: Matrix, value: Matrix, streams: PosteriorStreams) throws -> Matrix

    /// `value(parents:noise:)`, and the tape its pullback reuses (no second forward pass).
    func recording(parents: Matrix, noise: Matrix) -> (value: Matrix, tape: Tape)

    /// A set enclosing the node's values over the parents' and noise's sets (built on
    /// the same ball); nil when the mechanism admits no bound.
    func bounds(parents: AffineBounds, noise: AffineBounds) -> AffineBounds?

    /// Flat parameters, in the layout of the node's `MechanismSpecification` (empty
    /// for a mechanism that is not fitted).
    var parameters: [Double] { get }
}

/// A recorded forward evaluation of one mechanism, which can pull cotangents back.
protocol MechanismTape {
    /// Cotangents of the parents' columns and of the noise, given the value's
    /// (one row per recorded row): the vector–Jacobian product at the recorded point
    /// (a sampling mechanism's: its straight-through surrogate, see `Mechanism`).
    func pullback(_ cotangent: Matrix) -> (parents: Matrix, noise: Matrix)
}

extension Mechanism {
    /// Cotangents of the parents' columns and of the noise at (parents, noise), given
    /// the value's: `recording` followed by its tape's pullback.
    func vectorJacobianProduct(parents: Matrix, noise: Matrix, cotangent: Matrix) -> (parents: Matrix, noise: Matrix) {
        recording(parents: parents, noise: noise).tape.pullback(cotangent)
    }
}
