/// Maximisation of a per-row objective over perturbations δ (one row per point),
/// each row constrained to the L2 ball of radius `radius` on the columns `mask`.
struct ProjectedAscent {
    let radius: Double
    let mask: [Bool]

    /// The step size of `normalisedGradientAscent` for `steps` steps: `requested` when
    /// positive, else 2.5 × radius / steps (Madry et al. 2018), so the steps together
    /// can cross the ball's diameter with room for the projections.
    static func stepSize(requested: Double, radius: Double, steps: Int) -> Double {
        requested > 0 ? requested : 2.5 * radius / Double(max(steps, 1))
    }

    /// Scales every row of `delta` back into the ball.
    func project(_ delta: inout Matrix) {
        for r in 0..<delta.rows {
            var norm = 0.0
            for c in 0..<delta.cols where mask[c] { norm += delta[r, c] * delta[r, c] }
            norm = norm.squareRoot()
            if norm > radius, norm > 0 {
                let scale = radius / norm
                for c in 0..<delta.cols { delta[r, c] *= scale }
            }
            for c in 0..<delta.cols where !mask[c] { delta[r, c] = 0 }
        }
    }

    /// Projected normalised gradient ascent from `start`: δ ← Π(δ + α g/‖g‖) per row,
    /// `steps` times; `gradient(δ)` returns the ascent direction per row.
    func normalisedGradientAscent(from start: Matrix, steps: Int, stepSize: Double,
                                  gradient: (Matrix) throws -> Matrix) rethrows -> Matrix {
        var delta = start
        project(&delta)
        for _ in 0..<steps {
            let g = try gradient(delta)
            for r in 0..<delta.rows {
                var norm = 0.0
                for c in 0..<delta.cols where mask[c] { norm += g[r, c] * g[r, c] }
                norm = norm.squareRoot()
                guard norm > 0 else { continue }
                for c in 0..<delta.cols where mask[c] { delta[r, c] += stepSize * g[r, c] / norm }
            }
            project(&delta)
        }
        return delta
    }

    /// Projected Adam ascent from ε·N(0, I) (as the CAPIFY reference does): `steps`
    /// Adam steps of size `learningRate` on every element, projecting after each.
    func adamAscent(rows: Int, steps: Int, learningRate: Double, generator: inout Xoshiro256StarStar,
                    gradient: (Matrix) throws -> Matrix) rethrows -> Matrix {
        var delta = Matrix(rows: rows, cols: mask.count)
        for r in 0..<rows {
            for c in 0..<mask.count where mask[c] { delta[r, c] = radius * generator.normal() }
        }
        project(&delta)
        var optimiser = Adam(parameterCount: delta.storage.count, learningRate: learningRate)
        for _ in 0..<steps {
            let g = try gradient(delta)
            optimiser.update(&delta.storage, gradient: g.storage.map { -$0 })
            project(&delta)
        }
        return delta
    }
}
