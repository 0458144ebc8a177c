import Foundation

/// A model evaluated on some samples: how many, the mean cross-entropy, and the confusion matrix
/// `confusion[true][predicted]` (counts). Everything else — accuracy, per-class and macro
/// precision, recall and F1 — is computed from the matrix, so evaluations from several
/// participants combine exactly: sum the matrices and weight the losses by samples
/// (`Evaluation.combined`). This is how the aggregator gets a round's global metrics.
///
/// Codable as the external trainer's metrics JSON: `{"samples": n, "loss": x, "confusion": [[…]]}`.
///
/// Zero divisions give 0: a class never predicted has precision 0, a class with no true samples
/// has recall 0, F1 is 0 when precision + recall is 0, accuracy of zero samples is 0 (the same
/// convention as scikit-learn's `zero_division=0`). Macro averages are plain means over all
/// classes, including such classes; macro F1 is the mean of the per-class F1 scores (not the F1
/// of macro precision and macro recall).
public struct Evaluation: Sendable, Equatable, Codable {
    public var samples: Int
    /// Mean cross-entropy (natural log) over `samples`; 0 when there are none.
    public var loss: Double
    /// `confusion[t][p]`: samples of true class t predicted as p. Square, classes × classes.
    public var confusion: [[Int]]

    public init(samples: Int, loss: Double, confusion: [[Int]]) {
        self.samples = samples
        self.loss = loss
        self.confusion = confusion
    }

    /// Samples taken as the matrix total.
    public init(confusion: [[Int]], loss: Double) {
        self.init(samples: confusion.reduce(0) { $0 + $1.reduce(0, +) }, loss: loss, confusion: confusion)
    }

    /// No samples yet, for `classes` classes.
    public static func empty(classes: Int) -> Evaluation {
        Evaluation(samples: 0, loss: 0, confusion: [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes))
    }

    public var classCount: Int { confusion.count }

    /// Checks the invariants: square, non-negative, the matrix sums to `samples`, a finite loss ≥ 0.
    public func validate(classes: Int? = nil) throws {
        let k = confusion.count
        if let c = classes, c != k { throw MetricsError.invalid("the confusion matrix has \(k) rows, expected \(c) classes") }
        guard k >= 1, confusion.allSatisfy({ $0.count == k }) else {
            throw MetricsError.invalid("the confusion matrix is not square (\(confusion.map(\.count)))")
        }
        guard confusion.allSatisfy({ $0.allSatisfy { $0 >= 0 } }) else { throw MetricsError.invalid("the confusion matrix has a negative count") }
        let total = confusion.reduce(0) { $0 + $1.reduce(0, +) }
        guard total == samples else { throw MetricsError.invalid("the confusion matrix counts \(total) samples, samples says \(samples)") }
        guard loss.isFinite, loss >= 0 else { throw MetricsError.invalid("loss \(loss) is not a finite number ≥ 0") }
    }

    // MARK: Metrics from the matrix

    public var correct: Int { (0..<classCount).reduce(0) { $0 + confusion[$1][$1] } }

    /// Correct / samples (0 when there are no samples).
    public var accuracy: Double { samples == 0 ? 0 : Double(correct) / Double(samples) }

    /// Samples whose true class is `c` (row sum).
    public func support(of c: Int) -> Int { confusion[c].reduce(0, +) }

    /// Samples predicted as `c` (column sum).
    public func predicted(as c: Int) -> Int { confusion.reduce(0) { $0 + $1[c] } }

    /// TP / (TP + FP); 0 when the class is never predicted.
    public func precision(of c: Int) -> Double {
        let p = predicted(as: c)
        return p == 0 ? 0 : Double(confusion[c][c]) / Double(p)
    }

    /// TP / (TP + FN); 0 when the class has no true samples.
    public func recall(of c: Int) -> Double {
        let s = support(of: c)
        return s == 0 ? 0 : Double(confusion[c][c]) / Double(s)
    }

    /// 2PR / (P + R); 0 when P + R = 0.
    public func f1(of c: Int) -> Double {
        let p = precision(of: c), r = recall(of: c)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    public var macroPrecision: Double { mean((0..<classCount).map(precision(of:))) }
    public var macroRecall: Double { mean((0..<classCount).map(recall(of:))) }
    public var macroF1: Double { mean((0..<classCount).map(f1(of:))) }

    private func mean(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }

    /// The metric names of the spec's `models.select.metric`: `accuracy`, `loss`, and `precision`,
    /// `recall`, `f1` as macro averages. Nil for any other name.
    public func metric(named name: String) -> Double? {
        switch name {
        case "accuracy": return accuracy
        case "loss": return loss
        case "precision": return macroPrecision
        case "recall": return macroRecall
        case "f1": return macroF1
        default: return nil
        }
    }

    // MARK: Combining

    /// The evaluation over the union of the samples: confusion matrices summed, loss weighted by
    /// samples. All parts must have the same number of classes; no parts is an error.
    public static func combined(_ parts: [Evaluation]) throws -> Evaluation {
        guard let k = parts.first?.classCount else { throw MetricsError.invalid("nothing to combine") }
        var sum = Evaluation.empty(classes: k)
        var weightedLoss = 0.0
        for (i, e) in parts.enumerated() {
            guard e.classCount == k, e.confusion.allSatisfy({ $0.count == k }) else {
                throw MetricsError.invalid("evaluation \(i) has \(e.classCount) classes, the first has \(k)")
            }
            for t in 0..<k { for p in 0..<k { sum.confusion[t][p] += e.confusion[t][p] } }
            sum.samples += e.samples
            weightedLoss += e.loss * Double(e.samples)
        }
        sum.loss = sum.samples == 0 ? 0 : weightedLoss / Double(sum.samples)
        return sum
    }
}

public enum MetricsError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let m): return "metrics: \(m)" }
    }
}
