import Testing
@testable import CausalFairCore

/// The generator and the distributions drawn from it.
@Suite("Random")
struct RandomTests {
    @Test("splitmix64 matches the published reference stream for seed 0")
    func splitMixReference() {
        var mixer = SplitMix64(state: 0)
        #expect(mixer.next() == 0xE220_A839_7B1D_CDAF)
        #expect(mixer.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(mixer.next() == 0x06C4_5D18_8009_454F)
    }

    @Test("xoshiro256** matches an independent reference implementation")
    func xoshiroReference() {
        // Reference values from a separate Python implementation of splitmix64 seeding
        // and xoshiro256** (Blackman & Vigna).
        var generator = Xoshiro256StarStar(seed: 42)
        #expect(generator.next() == 0x1578_0B2E_0C2E_C716)
        #expect(generator.next() == 0x6104_D986_6D11_3A7E)
        #expect(generator.next() == 0xAE17_5332_39E4_99A1)
        #expect(generator.next() == 0xECB8_AD47_03B3_60A1)
        var streamed = Xoshiro256StarStar(seed: 7, stream: 3)
        #expect(streamed.next() == 0x0180_0B4B_961F_A208)
        #expect(streamed.next() == 0x5AB5_E902_00CD_FA68)
    }

    @Test("the same seed gives an identical stream")
    func sameSeedSameStream() {
        var a = Xoshiro256StarStar(seed: 123), b = Xoshiro256StarStar(seed: 123)
        let first = (0..<1000).map { _ in a.next() }
        let second = (0..<1000).map { _ in b.next() }
        #expect(first == second)
        var c = Xoshiro256StarStar(seed: 9, stream: 4), d = Xoshiro256StarStar(seed: 9, stream: 4)
        #expect((0..<100).map { _ in c.normal() } == (0..<100).map { _ in d.normal() })
    }

    @Test("different seeds and different streams give different streams")
    func differentSeedsDiffer() {
        func draws(_ g: Xoshiro256StarStar) -> [UInt64] {
            var g = g
            return (0..<16).map { _ in g.next() }
        }
        let base = draws(Xoshiro256StarStar(seed: 1))
        #expect(base != draws(Xoshiro256StarStar(seed: 2)))
        let streams = (0..<8).map { draws(Xoshiro256StarStar(seed: 1, stream: UInt64($0))) }
        #expect(Set(streams.map { $0[0] }).count == 8)
        #expect(!streams.contains(base))
        #expect(draws(Xoshiro256StarStar(seed: 2, stream: 0)) != streams[0])
    }

    @Test("uniform lies in [0, 1), uniformPositive in (0, 1], both with mean 1/2")
    func uniformRange() {
        var generator = Xoshiro256StarStar(seed: 5)
        let n = 100_000
        let u = (0..<n).map { _ in generator.uniform() }
        let v = (0..<n).map { _ in generator.uniformPositive() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(v.allSatisfy { $0 > 0 && $0 <= 1 })
        let se = (1.0 / 12 / Double(n)).squareRoot()
        #expect(abs(mean(u) - 0.5) < 5 * se)
        #expect(abs(mean(v) - 0.5) < 5 * se)
        #expect(abs(variance(u) - 1.0 / 12) < 0.002)
    }

    @Test("normal has the requested mean and variance within sampling error")
    func normalMoments() {
        var generator = Xoshiro256StarStar(seed: 6)
        let n = 200_000
        let z = (0..<n).map { _ in generator.normal() }
        #expect(abs(mean(z)) < 5 / Double(n).squareRoot())
        #expect(abs(variance(z) - 1) < 5 * (2 / Double(n)).squareRoot())
        // Symmetry and tails: P(Z > 1.96) is 0.025.
        let tail = Double(z.filter { $0 > 1.96 }.count) / Double(n)
        #expect(abs(tail - 0.025) < 5 * proportionStandardError(0.025, n))
        let shifted = (0..<n).map { _ in generator.normal(mean: -3, standardDeviation: 2) }
        #expect(abs(mean(shifted) + 3) < 5 * 2 / Double(n).squareRoot())
        #expect(abs(variance(shifted) - 4) < 5 * 4 * (2 / Double(n)).squareRoot())
    }

    @Test("gamma has mean shape * scale and variance shape * scale^2",
          arguments: [(2.5, 1.5), (0.5, 2.0), (1.0, 0.3), (9.0, 0.5)])
    func gammaMoments(shape: Double, scale: Double) {
        var generator = Xoshiro256StarStar(seed: 7)
        let n = 100_000
        let x = (0..<n).map { _ in generator.gamma(shape: shape, scale: scale) }
        let expectedMean = shape * scale
        let expectedVariance = shape * scale * scale
        #expect(x.allSatisfy { $0 > 0 && $0.isFinite })
        #expect(abs(mean(x) - expectedMean) < 5 * (expectedVariance / Double(n)).squareRoot())
        // Var of the sample variance for a gamma: (mu4 - sigma^4) / n with mu4 = 3 k (k + 2) theta^4.
        let mu4 = 3 * shape * (shape + 2) * power(scale, 4)
        let varianceSE = ((mu4 - expectedVariance * expectedVariance) / Double(n)).squareRoot()
        #expect(abs(variance(x) - expectedVariance) < 6 * varianceSE)
    }

    @Test("bernoulli frequency matches p", arguments: [0.0, 0.3, 0.5, 0.97, 1.0])
    func bernoulliFrequency(p: Double) {
        var generator = Xoshiro256StarStar(seed: 8)
        let n = 50_000
        let draws = (0..<n).map { _ in generator.bernoulli(p) }
        #expect(draws.allSatisfy { $0 == 0 || $0 == 1 })
        let frequency = mean(draws)
        #expect(abs(frequency - p) <= 5 * proportionStandardError(p, n))
    }

    @Test("index(below:) is uniform over its range")
    func indexUniform() {
        var generator = Xoshiro256StarStar(seed: 9)
        let n = 70_000
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<n {
            let i = generator.index(below: 7)
            #expect(i >= 0 && i < 7)
            if i >= 0 && i < 7 { counts[i] += 1 }
        }
        let p = 1.0 / 7
        for count in counts {
            #expect(abs(Double(count) / Double(n) - p) < 5 * proportionStandardError(p, n))
        }
    }

    @Test("shuffle gives a permutation, different from the identity, reproducibly")
    func shuffleIsPermutation() {
        var a = Xoshiro256StarStar(seed: 10), b = Xoshiro256StarStar(seed: 10)
        var x = Array(0..<50), y = Array(0..<50)
        a.shuffle(&x)
        b.shuffle(&y)
        #expect(x.sorted() == Array(0..<50))
        #expect(x != Array(0..<50))
        #expect(x == y)
        var single = [3]
        a.shuffle(&single)
        #expect(single == [3])
    }

    @Test("uniformInBall stays within the radius and fills the ball (P(norm <= r R) = r^d)",
          arguments: [1, 2, 3, 5])
    func uniformInBallFills(dimension: Int) {
        var generator = Xoshiro256StarStar(seed: 11)
        let radius = 2.5
        let n = 20_000
        var inside = 0
        var coordinateSums = [Double](repeating: 0, count: dimension)
        for _ in 0..<n {
            let point = generator.uniformInBall(dimension: dimension, radius: radius)
            #expect(point.count == dimension)
            let length = norm(point)
            #expect(length <= radius * (1 + 1e-12))
            if length <= 0.5 * radius { inside += 1 }
            for j in point.indices { coordinateSums[j] += point[j] }
        }
        let expected = power(0.5, Double(dimension))
        let observed = Double(inside) / Double(n)
        #expect(abs(observed - expected) < 4 * proportionStandardError(expected, n),
                "fraction within half the radius \(observed), expected \(expected)")
        // Isotropy: every coordinate has mean zero (variance R^2 / (d + 2) per coordinate).
        let coordinateSE = (radius * radius / Double(dimension + 2) / Double(n)).squareRoot()
        for sum in coordinateSums {
            #expect(abs(sum / Double(n)) < 5 * coordinateSE)
        }
    }

    @Test("uniformInBall with radius 0 is the origin, with dimension 0 is empty")
    func uniformInBallDegenerate() {
        var generator = Xoshiro256StarStar(seed: 12)
        #expect(generator.uniformInBall(dimension: 4, radius: 0) == [0, 0, 0, 0])
        #expect(generator.uniformInBall(dimension: 0, radius: 1).isEmpty)
    }
}
