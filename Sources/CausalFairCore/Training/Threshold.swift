/// Decision thresholds on predicted probabilities.
public enum Threshold {
    /// Matthews correlation coefficient of a confusion matrix (0 when undefined).
    public static func mcc(truePositives tp: Double, falsePositives fp: Double,
                           trueNegatives tn: Double, falseNegatives fn: Double) -> Double {
        let denominator = ((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)).squareRoot()
        return denominator > 0 ? (tp * tn - fp * fn) / denominator : 0
    }

    /// The threshold t maximising the MCC of the rule "predict 1 when p > t" on
    /// (probabilities, labels): candidates are the midpoints between consecutive
    /// distinct probabilities, and the values just below the smallest and at the largest.
    /// Ties keep the candidate closest to 0.5. When no cut reaches a positive MCC (an
    /// uninformative model) and one class is the majority, every row gets that class
    /// (also MCC 0, and the most accurate of those).
    ///
    /// With `sampleWeights` (finite, ≥ 0, positive sum; nil: every row weighs 1) the
    /// confusion matrix counts each row with its weight — the weighted MCC, as
    /// scikit-learn's `matthews_corrcoef(sample_weight=)` — and the majority is by weight.
    public static func maximisingMCC(probabilities: [Double], labels: [Double],
                                     sampleWeights: [Double]? = nil) throws -> Double {
        guard !probabilities.isEmpty, probabilities.count == labels.count else {
            throw CausalFairError.invalidArgument("need as many labels as probabilities, and at least one")
        }
        guard probabilities.allSatisfy({ $0.isFinite }), labels.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw CausalFairError.invalidArgument("probabilities must be finite and labels 0 or 1")
        }
        // Normalised to mean 1 (checked); every weight is 1 without weights: integer counts as before.
        let weights = try RowWeighting.normalised(sampleWeights, rows: labels.count)
            ?? [Double](repeating: 1, count: labels.count)
        let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
        let positives = zip(labels, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let negatives = zip(labels, weights).reduce(0) { $0 + (1 - $1.0) * $1.1 }
        var tp = 0.0, fp = 0.0
        var best = (score: mcc(truePositives: 0, falsePositives: 0, trueNegatives: negatives, falseNegatives: positives),
                    threshold: probabilities[order[0]])
        var i = 0
        while i < order.count {
            let value = probabilities[order[i]]
            while i < order.count, probabilities[order[i]] == value {
                if labels[order[i]] == 1 { tp += weights[order[i]] } else { fp += weights[order[i]] }
                i += 1
            }
            let threshold: Double
            if i < order.count {
                // "p > t" must keep `value` and drop the next one: next <= t < value.
                let next = probabilities[order[i]], middle = (value + next) / 2
                threshold = middle < value ? middle : next
            } else {
                threshold = min(value - 1e-12, value.nextDown)
            }
            let score = mcc(truePositives: tp, falsePositives: fp, trueNegatives: negatives - fp, falseNegatives: positives - tp)
            if score > best.score || (score == best.score && abs(threshold - 0.5) < abs(best.threshold - 0.5)) {
                best = (score, threshold)
            }
        }
        guard best.score <= 0, positives != negatives else { return best.threshold }
        let smallest = probabilities[order[order.count - 1]]
        return positives > negatives ? min(smallest - 1e-12, smallest.nextDown) : probabilities[order[0]]
    }
}
