/// A fitted linear mechanism V = f(Pa) + U with f(pa) = pa W + b (W: inputs x
/// outputs), fitted by least squares. Its Jacobian is constant: ∂V/∂Pa = Wᵀ, ∂V/∂U = I.
public struct LinearMechanism: Sendable, Equatable {
    /// Weights, inputs x outputs.
    public var weights: Matrix
    /// Intercepts, one per output.
    public var bias: [Double]

    /// Number of parameters for these sizes: weights then bias.
    public static func parameterCount(inputs: Int, outputs: Int) -> Int { (inputs + 1) * outputs }

    /// A mechanism from its flat parameters (weights row-major, then bias).
    public init(inputs: Int, outputs: Int, parameters: ArraySlice<Double>) throws {
        guard parameters.count == Self.parameterCount(inputs: inputs, outputs: outputs) else {
            throw CausalFairError.invalidArgument("linear mechanism needs \((inputs + 1) * outputs) parameters")
        }
        let values = Array(parameters)
        weights = try Matrix(rows: inputs, cols: outputs, storage: Array(values[0..<(inputs * outputs)]))
        bias = Array(values[(inputs * outputs)...])
    }

    /// Least squares of `targets` on `inputs` with an intercept, minimising
    /// ||Y - X W - 1 b||² + ridge ||W||², or with `rowWeights` w (≥ 0, as
    /// `RowWeighting.normalised` gives them) the weighted sum
    /// Σ_r w_r ||y_r - x_r W - b||² + ridge ||W||²: with ridge 0, integer weights give
    /// the fit of the rows repeated that many times and zero weights the fit without
    /// those rows (with a ridge, the weights' mean-1 normalisation keeps the ridge's
    /// strength relative to n rows).
    ///
    /// `droppedInputs` are left out of the design and get weight 0: the first one-hot
    /// column of each categorical parent, which is collinear with the intercept.
    /// Throws `computation` when the design is singular (a constant or collinear parent
    /// and no ridge).
    public init(fittingInputs inputs: Matrix, targets: Matrix, rowWeights: [Double]? = nil, ridge: Double,
                droppedInputs: Set<Int>) throws {
        let kept = (0..<inputs.cols).filter { !droppedInputs.contains($0) }
        var design = Matrix(rows: inputs.rows, cols: kept.count + 1, repeating: 1)
        design.scatterColumns(Array(0..<kept.count), from: inputs.gatherColumns(kept))
        let weighted = rowWeights.map { Rows.scaled(design, by: $0) } ?? design
        var gram = BLAS.multiply(weighted, design, transposeA: true)
        for j in 0..<kept.count { gram[j, j] += ridge }
        let moments = BLAS.multiply(weighted, targets, transposeA: true)
        let solution: Matrix
        do {
            solution = try Cholesky.solve(gram, moments)
        } catch {
            throw CausalFairError.computation(
                "least squares is singular: a parent column is constant or the parents are collinear (use a ridge > 0)")
        }
        weights = Matrix(rows: inputs.cols, cols: targets.cols)
        for (j, input) in kept.enumerated() {
            for o in 0..<targets.cols { weights[input, o] = solution[j, o] }
        }
        bias = (0..<targets.cols).map { solution[kept.count, $0] }
    }

    /// Flat parameters: weights row-major, then bias.
    public var parameters: [Double] { weights.storage + bias }

    /// f(inputs), one row per row.
    public func callAsFunction(_ inputs: Matrix) -> Matrix {
        var output = BLAS.multiply(inputs, weights)
        output.addRowVector(bias)
        return output
    }

    /// Vector–Jacobian product: d<cotangent, f(x)>/dx = cotangent W^T (constant in x).
    public func inputGradient(_ cotangent: Matrix) -> Matrix {
        BLAS.multiply(cotangent, weights, transposeB: true)
    }
}

extension LinearMechanism: Mechanism {
    /// f(pa) + u.
    func value(parents: Matrix, noise: Matrix) -> Matrix { self(parents) + noise }

    /// u = v − f(pa), the only noise that explains v.
    func abduct(parents: Matrix, value: Matrix, streams: PosteriorStreams) -> Matrix { value - self(parents) }

    /// The value; the tape holds W only (the Jacobian does not depend on the point).
    func recording(parents: Matrix, noise: Matrix) -> (value: Matrix, tape: Tape) {
        (value(parents: parents, noise: noise), Tape(mechanism: self))
    }

    /// A linear mechanism's recorded evaluation: nothing but the mechanism.
    struct Tape: MechanismTape {
        let mechanism: LinearMechanism

        /// (c Wᵀ, c).
        func pullback(_ cotangent: Matrix) -> (parents: Matrix, noise: Matrix) {
            (mechanism.inputGradient(cotangent), cotangent)
        }
    }

    /// The exact affine image of the parents' set, plus the noise's.
    func bounds(parents: AffineBounds, noise: AffineBounds) -> AffineBounds? {
        parents.affine(weights: weights, bias: bias) + noise
    }
}
