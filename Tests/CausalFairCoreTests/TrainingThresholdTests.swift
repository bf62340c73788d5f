import Testing
@testable import CausalFairCore

/// The MCC and the threshold maximising it.
@Suite("Training thresholds")
struct TrainingThresholdTests {
    /// MCC of "predict 1 when p > t", from the counts (independent formula).
    static func mcc(_ probabilities: [Double], _ labels: [Double], threshold t: Double) -> Double {
        var tp = 0.0, fp = 0.0, tn = 0.0, fn = 0.0
        for (p, y) in zip(probabilities, labels) {
            switch (p > t, y == 1) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, false): tn += 1
            case (false, true): fn += 1
            }
        }
        let denominator = ((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)).squareRoot()
        return denominator == 0 ? 0 : (tp * tn - fp * fn) / denominator
    }

    /// Every cut of the sorted distinct values (below all, between each pair, above all)
    /// as the set of rows predicted positive, with its MCC.
    static func bruteForce(_ probabilities: [Double], _ labels: [Double]) -> (best: Double, cuts: [(low: Double, high: Double, mcc: Double)]) {
        let values = Array(Set(probabilities)).sorted()
        var cuts: [(Double, Double, Double)] = []
        // Cut below everything: threshold in (−∞, min).
        cuts.append((-.infinity, values[0], mcc(probabilities, labels, threshold: values[0] - 1)))
        for i in 0..<values.count {
            let high = i + 1 < values.count ? values[i + 1] : Double.infinity
            cuts.append((values[i], high, mcc(probabilities, labels, threshold: values[i])))
        }
        return (cuts.map { $0.2 }.max() ?? 0, cuts)
    }

    @Test("mcc on known confusion matrices")
    func knownMCC() {
        #expect(Threshold.mcc(truePositives: 5, falsePositives: 0, trueNegatives: 7, falseNegatives: 0) == 1)
        #expect(Threshold.mcc(truePositives: 0, falsePositives: 7, trueNegatives: 0, falseNegatives: 5) == -1)
        // Degenerate: nothing predicted positive, or one class only.
        #expect(Threshold.mcc(truePositives: 0, falsePositives: 0, trueNegatives: 7, falseNegatives: 5) == 0)
        #expect(Threshold.mcc(truePositives: 4, falsePositives: 3, trueNegatives: 0, falseNegatives: 0) == 0)
        #expect(Threshold.mcc(truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0) == 0)
        // (6·3 − 2·1) / √(8·7·5·4) = 16 / √1120.
        let value = Threshold.mcc(truePositives: 6, falsePositives: 2, trueNegatives: 3, falseNegatives: 1)
        #expect(abs(value - 16 / (1120.0).squareRoot()) < 1e-15)
        // Random guessing: tp·tn = fp·fn.
        #expect(Threshold.mcc(truePositives: 2, falsePositives: 4, trueNegatives: 6, falseNegatives: 3) == 0)
    }

    @Test("maximisingMCC picks a cut of maximal MCC (brute force over every cut), on hand-made examples",
          arguments: [
            ([0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.65, 0.9], [0.0, 0, 1, 1, 1, 0, 0, 1]),
            ([0.9, 0.8, 0.7, 0.3, 0.2], [0.0, 0, 1, 1, 1]),           // inverted ranking
            ([0.3, 0.3, 0.6, 0.6, 0.6, 0.1], [0.0, 1, 1, 1, 0, 0]),   // ties
            ([0.05, 0.15, 0.25, 0.3, 0.32], [0.0, 0, 1, 1, 1]),       // all probabilities below 0.5
            ([0.55, 0.6, 0.97, 0.99], [0.0, 0, 1, 1]),                 // all above 0.5
          ])
    func maximisingMCC(probabilities: [Double], labels: [Double]) throws {
        let threshold = try Threshold.maximisingMCC(probabilities: probabilities, labels: labels)
        let (best, cuts) = Self.bruteForce(probabilities, labels)
        #expect(abs(Self.mcc(probabilities, labels, threshold: threshold) - best) < 1e-12,
                "threshold \(threshold) has MCC \(Self.mcc(probabilities, labels, threshold: threshold)), best \(best)")
        // The threshold lies strictly inside its cut (never on a probability the rule would misplace).
        #expect(cuts.contains { threshold >= $0.low && threshold < $0.high && abs($0.mcc - best) < 1e-12 })
    }

    @Test("weighted maximisingMCC: integer weights give the threshold of the repeated rows; zero weights a best cut of the rest",
          arguments: [0, 1, 2, 3] as [UInt64])
    func weightedMCC(seed: UInt64) throws {
        var generator = Xoshiro256StarStar(seed: seed)
        let rows = 60
        let probabilities = (0..<rows).map { _ in (generator.uniform() * 20).rounded() / 20 }  // ties
        let labels = probabilities.map { generator.bernoulli(0.25 + 0.5 * $0) }
        let weights = (0..<rows).map { _ in Double(1 + generator.index(below: 3)) }
        let repeated = weights.indices.flatMap { r in [Int](repeating: r, count: Int(weights[r])) }
        let weighted = try Threshold.maximisingMCC(probabilities: probabilities, labels: labels, sampleWeights: weights)
        let expanded = try Threshold.maximisingMCC(probabilities: repeated.map { probabilities[$0] },
                                                   labels: repeated.map { labels[$0] })
        #expect(weighted == expanded)
        // Proportional weights give the same threshold.
        #expect(try Threshold.maximisingMCC(probabilities: probabilities, labels: labels,
                                            sampleWeights: weights.map { $0 * 0.3 }) == weighted)

        let zeroed = weights.indices.map { $0 % 4 == 0 ? 0.0 : weights[$0] }
        let kept = repeated.filter { $0 % 4 != 0 }
        let threshold = try Threshold.maximisingMCC(probabilities: probabilities, labels: labels, sampleWeights: zeroed)
        let keptProbabilities = kept.map { probabilities[$0] }, keptLabels = kept.map { labels[$0] }
        let best = Self.bruteForce(keptProbabilities, keptLabels).best
        #expect(abs(Self.mcc(keptProbabilities, keptLabels, threshold: threshold) - best) < 1e-12)
        #expect(throws: CausalFairError.self) {
            try Threshold.maximisingMCC(probabilities: probabilities, labels: labels, sampleWeights: [1, 2])
        }
    }

    @Test("maximisingMCC on a separable example returns the midpoint between the classes")
    func separable() throws {
        let threshold = try Threshold.maximisingMCC(probabilities: [0.1, 0.2, 0.3, 0.6, 0.9], labels: [0, 0, 0, 1, 1])
        #expect(abs(threshold - 0.45) < 1e-15)
        let shifted = try Threshold.maximisingMCC(probabilities: [0.1, 0.12, 0.2, 0.3], labels: [0, 1, 1, 1])
        #expect(abs(shifted - 0.11) < 1e-15)
    }

    @Test("maximisingMCC among equally good cuts keeps the one closest to 0.5")
    func tieBreak() throws {
        // Uninformative scores: every cut has MCC 0; the candidate nearest 0.5 wins.
        let threshold = try Threshold.maximisingMCC(probabilities: [0.2, 0.2, 0.8, 0.8], labels: [0, 1, 0, 1])
        #expect(abs(threshold - 0.5) < 1e-15)
    }

    @Test("maximisingMCC on an uninformative model predicts the majority class for everyone")
    func uninformativeMajority() throws {
        // Higher scores go with the minority class: every informative cut has MCC < 0.
        let probabilities = [0.45, 0.46, 0.47], labels = [1.0, 1, 0]
        let threshold = try Threshold.maximisingMCC(probabilities: probabilities, labels: labels)
        #expect(probabilities.allSatisfy { $0 > threshold })
        let negativeMajority = try Threshold.maximisingMCC(probabilities: probabilities, labels: [1, 0, 0])
        #expect(probabilities.allSatisfy { $0 <= negativeMajority })
    }

    @Test("maximisingMCC separates adjacent doubles (a midpoint that rounds up must not be used)")
    func adjacentDoubles() throws {
        // 0.5 + 2⁻⁵³ and its successor 0.5 + 2⁻⁵²: (low + high) / 2 rounds (to even) to
        // `high`, and the rule p > t would then put both in class 0.
        let low = 0.5 + 0x1p-53, high = low.nextUp
        #expect((low + high) / 2 == high)
        let threshold = try Threshold.maximisingMCC(probabilities: [low, high], labels: [0, 1])
        #expect(Self.mcc([low, high], [0, 1], threshold: threshold) == 1, "threshold \(threshold), low \(low), high \(high)")
    }

    @Test("maximisingMCC rejects bad input",
          arguments: [([Double](), [Double]()), ([0.1, 0.2], [0.0]), ([0.1, .nan], [0.0, 1]), ([0.1, 0.2], [0.0, 2]),
                      ([0.1, .infinity], [0.0, 1])])
    func badInput(probabilities: [Double], labels: [Double]) {
        #expect(trainingThrows(.invalidArgument("")) {
            try Threshold.maximisingMCC(probabilities: probabilities, labels: labels)
        })
    }
}
