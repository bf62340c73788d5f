/// DP-SGD (Abadi et al. 2016; DESIGN §4 "Differential privacy"), a training option that
/// works with every objective: each step samples rows independently with probability
/// q = batch size / n (Poisson sampling), takes the gradient of each sampled row's own
/// loss (the full objective, inner maximisation included), clips each to L2 norm at most C
/// and sums them (`ObjectiveContext.clippedGradientSum`), adds N(0, σ²C²I), and divides
/// by the expected batch size q·n; the optimiser (Adam or SGD) then steps on that.
///
/// What this protects is the sequence of noisy gradients, hence the trained parameters:
/// with an accountant's (ε, δ) for (q, σ, steps) — computed in Python with
/// `dp-accounting`, never here — the released model is (ε, δ)-DP with respect to adding
/// or removing one training row. The SCM the objective perturbs through, the inputs'
/// standardization and the training loss are not privatised (a DP run reports NaN
/// training losses for that reason); the SCM's MLP maps can be fitted by the same
/// DP-SGD (`StructuralCausalModel.fit(_:seed:privacy:)`), the accountant composing both.
public struct DifferentialPrivacy: Sendable, Equatable {
    /// σ: the noise's standard deviation in units of `maxGradNorm` (0: no noise).
    public var noiseMultiplier: Double
    /// C: every per-example gradient is scaled down to at most this L2 norm (+∞: no
    /// clipping, allowed only without noise).
    public var maxGradNorm: Double

    /// DP-SGD with noise multiplier σ and clipping norm C.
    public init(noiseMultiplier: Double, maxGradNorm: Double) {
        (self.noiseMultiplier, self.maxGradNorm) = (noiseMultiplier, maxGradNorm)
    }

    /// Throws unless σ ≥ 0 is finite and C > 0 (finite when σ > 0: the noise scale σC).
    func validate() throws {
        guard noiseMultiplier.isFinite, noiseMultiplier >= 0 else {
            throw CausalFairError.invalidArgument("noise_multiplier: expected a finite number >= 0, got \(noiseMultiplier)")
        }
        guard maxGradNorm > 0, maxGradNorm.isFinite || noiseMultiplier == 0 else {
            throw CausalFairError.invalidArgument(
                "max_grad_norm: expected a number > 0 (finite when noise_multiplier > 0), got \(maxGradNorm)")
        }
    }

    /// The rows of `candidates` kept by independent Bernoulli(`rate`) draws, one per
    /// candidate in order (so a seed gives the same sample). Possibly empty.
    static func poissonSample(_ candidates: [Int], rate: Double, generator: inout Xoshiro256StarStar) -> [Int] {
        candidates.filter { _ in generator.bernoulli(rate) == 1 }
    }

    /// min(1, C / `norm`): a gradient of that norm times the factor has norm at most C
    /// (up to rounding), and one already within C keeps factor 1 (unchanged).
    func clippingFactor(norm: Double) -> Double {
        norm > maxGradNorm ? maxGradNorm / norm : 1
    }

    /// The factor of every row of `perExample` (`clippingFactor` of its L2 norm).
    func clippingFactors(_ perExample: Matrix) -> [Double] {
        let columns = perExample.cols
        return perExample.storage.withUnsafeBufferPointer { storage in
            (0..<perExample.rows).map { r in
                guard let base = storage.baseAddress else { return 1 }
                let row = base + r * columns
                return clippingFactor(norm: BLAS.dot(row, row, count: columns).squareRoot())
            }
        }
    }

    /// Σᵣ clip(gᵣ) of the per-example gradients `perExample` (rows x parameters, possibly
    /// no rows), in one pass over the rows (BLAS), without a clipped copy.
    func clippedSum(_ perExample: Matrix) -> [Double] {
        BLAS.multiply(perExample, clippingFactors(perExample), transposeA: true)
    }

    /// The privatised gradient (`clippedSum` + N(0, σ²C²I)) / `expectedBatchSize`. The
    /// noise takes two uniforms of `generator` per parameter, none when σ = 0: with σ = 0
    /// and C = ∞ the result is the plain sum of the gradients over `expectedBatchSize`.
    func noisedMean(_ clippedSum: [Double], expectedBatchSize: Double, generator: inout Xoshiro256StarStar) -> [Double] {
        var total = clippedSum
        if noiseMultiplier > 0 {
            let scale = noiseMultiplier * maxGradNorm
            for i in total.indices { total[i] += scale * generator.normal() }
        }
        return total.map { $0 / expectedBatchSize }
    }
}
