/// The weighted Gram matrix of X̃ = [X 1] and a weighted column sum, for the Newton
/// solver's Hessian and gradient: with X given by its `dimension` columns of `count`
/// entries each (`columns`, column i at `columns + i·count`), p = dimension + 1,
///
///     gram[i·p + j] = Σᵣ wᵣ x̃ᵣᵢ x̃ᵣⱼ  (all i, j < p),   sums[i] = Σᵣ vᵣ x̃ᵣᵢ  (i < p).
///
/// Rows are taken eight at a time in SIMD lanes, each lane accumulating every eighth
/// row, the remaining rows in one zero-padded block; the lanes are then added in lane
/// order. `scratch` holds p·p + p vectors (caller-allocated, contents ignored).
@_transparent
public func weightedGramKernel(_ columns: UnsafePointer<Double>, _ dimension: Int, _ count: Int,
                               _ weights: UnsafePointer<Double>, _ values: UnsafePointer<Double>,
                               _ gram: UnsafeMutablePointer<Double>, _ sums: UnsafeMutablePointer<Double>,
                               _ scratch: UnsafeMutablePointer<SIMD8<Double>>) {
    let p = dimension + 1
    let gramLanes = scratch, sumLanes = scratch + p * p
    for i in 0..<(p * p + p) { scratch[i] = SIMD8(repeating: 0) }
    /// Eight entries from `start` (zeros beyond `count`).
    func lanes(_ base: UnsafePointer<Double>, _ start: Int) -> SIMD8<Double> {
        if start + 8 <= count { return UnsafeRawPointer(base + start).loadUnaligned(as: SIMD8<Double>.self) }
        var padded = SIMD8<Double>(repeating: 0)
        for lane in 0..<(count - start) { padded[lane] = base[start + lane] }
        return padded
    }
    var start = 0
    while start < count {
        let w = lanes(weights, start), v = lanes(values, start)
        for i in 0..<dimension {
            let xi = lanes(columns + i * count, start)
            let weighted = w * xi
            for j in i..<dimension {
                gramLanes[i * p + j] += weighted * lanes(columns + j * count, start)
            }
            gramLanes[i * p + dimension] += weighted
            sumLanes[i] += v * xi
        }
        gramLanes[dimension * p + dimension] += w
        sumLanes[dimension] += v
        start += 8
    }
    func total(_ vector: SIMD8<Double>) -> Double {
        var sum = 0.0
        for lane in 0..<8 { sum += vector[lane] }
        return sum
    }
    for i in 0..<p {
        for j in i..<p {
            gram[i * p + j] = total(gramLanes[i * p + j])
            gram[j * p + i] = gram[i * p + j]
        }
        sums[i] = total(sumLanes[i])
    }
}

/// The weighted Gram kernel for the baseline instruction set (see `tanhBaseline`).
@inline(never)
public func weightedGramBaseline(_ columns: UnsafePointer<Double>, _ dimension: Int, _ count: Int,
                                 _ weights: UnsafePointer<Double>, _ values: UnsafePointer<Double>,
                                 _ gram: UnsafeMutablePointer<Double>, _ sums: UnsafeMutablePointer<Double>,
                                 _ scratch: UnsafeMutablePointer<SIMD8<Double>>) {
    weightedGramKernel(columns, dimension, count, weights, values, gram, sums, scratch)
}
