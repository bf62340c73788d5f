/// e^y = 2^k (1 + q) for finite y with −1021·ln2 ≤ y ≤ 1023·ln2, as (2^k, q): k = y/ln2
/// rounded to nearest, r = y − k·ln2 (ln2 in two parts, so r is exact to a few ulps) and
/// q = e^r − 1 by its Taylor series to r¹³ on |r| ≤ ln2/2. Branch-free, so loops that
/// call it vectorise.
@_transparent
public func exponentialSplit(_ y: Double) -> (twoToK: Double, q: Double) {
    let ln2High = 0.693_147_180_369_123_816_49
    let ln2Low = 1.908_214_929_270_587_700_02e-10
    // Round to nearest by the 1.5·2^52 trick; the sum's low bits then hold k, so
    // 2^k comes from integer bit operations (no conversions: the loop vectorises).
    let shifted = y * 1.442_695_040_888_963_387 + 0x1.8p52
    let k = shifted - 0x1.8p52
    let r = (y - k * ln2High) - k * ln2Low
    var q = 1.0 / 6_227_020_800   // 1/13!
    q = q * r + 1.0 / 479_001_600
    q = q * r + 1.0 / 39_916_800
    q = q * r + 1.0 / 3_628_800
    q = q * r + 1.0 / 362_880
    q = q * r + 1.0 / 40_320
    q = q * r + 1.0 / 5_040
    q = q * r + 1.0 / 720
    q = q * r + 1.0 / 120
    q = q * r + 1.0 / 24
    q = q * r + 1.0 / 6
    q = q * r + 0.5
    q = q * r + 1
    q = q * r
    return (Double(bitPattern: (shifted.bitPattern &+ 1023) << 52), q)
}
