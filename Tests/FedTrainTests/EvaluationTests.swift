import FedTrain
import Foundation
import Testing

@Suite("Metrics")
struct EvaluationTests {
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-12 }

    @Test("binary matrix")
    func binary() throws {
        let e = Evaluation(confusion: [[5, 2], [1, 12]], loss: 0.3)
        try e.validate(classes: 2)
        #expect(e.samples == 20 && e.correct == 17)
        #expect(close(e.accuracy, 0.85))
        #expect(close(e.precision(of: 0), 5.0 / 6) && close(e.recall(of: 0), 5.0 / 7))
        #expect(close(e.precision(of: 1), 12.0 / 14) && close(e.recall(of: 1), 12.0 / 13))
        let f0 = 2 * (5.0 / 6) * (5.0 / 7) / (5.0 / 6 + 5.0 / 7), f1 = 2 * (12.0 / 14) * (12.0 / 13) / (12.0 / 14 + 12.0 / 13)
        #expect(close(e.f1(of: 0), f0) && close(e.f1(of: 1), f1))
        #expect(close(e.macroF1, (f0 + f1) / 2))
        #expect(close(e.macroPrecision, (5.0 / 6 + 12.0 / 14) / 2))
        #expect(close(e.macroRecall, (5.0 / 7 + 12.0 / 13) / 2))
        #expect(e.metric(named: "accuracy") == e.accuracy && e.metric(named: "f1") == e.macroF1)
        #expect(e.metric(named: "loss") == 0.3 && e.metric(named: "auc") == nil)
    }

    @Test("a class never predicted has precision 0 (and F1 0)")
    func neverPredicted() {
        // Everything predicted benign.
        let e = Evaluation(confusion: [[0, 3], [0, 7]], loss: 0.6)
        #expect(close(e.accuracy, 0.7))
        #expect(e.precision(of: 0) == 0 && e.recall(of: 0) == 0 && e.f1(of: 0) == 0)
        #expect(close(e.precision(of: 1), 0.7) && e.recall(of: 1) == 1)
        #expect(close(e.f1(of: 1), 2 * 0.7 / 1.7))
        #expect(close(e.macroPrecision, 0.35) && close(e.macroRecall, 0.5))
        #expect(close(e.macroF1, 0.7 / 1.7))
        #expect(!e.macroF1.isNaN)
    }

    @Test("three classes, one with no true samples")
    func noSupport() {
        let e = Evaluation(confusion: [[2, 0, 1], [0, 0, 0], [1, 1, 3]], loss: 1)
        #expect(e.samples == 8 && close(e.accuracy, 5.0 / 8))
        #expect(e.support(of: 1) == 0 && e.predicted(as: 1) == 1)
        #expect(e.recall(of: 1) == 0 && e.precision(of: 1) == 0 && e.f1(of: 1) == 0)
        #expect(close(e.precision(of: 2), 3.0 / 4) && close(e.recall(of: 2), 3.0 / 5))
        #expect(close(e.macroRecall, (2.0 / 3 + 0 + 3.0 / 5) / 3))
    }

    @Test("no samples: all 0, no NaN")
    func empty() {
        let e = Evaluation.empty(classes: 2)
        #expect(e.accuracy == 0 && e.macroPrecision == 0 && e.macroRecall == 0 && e.macroF1 == 0 && e.loss == 0)
    }

    @Test("summing participants' matrices, sample-weighted loss")
    func combined() throws {
        let a = Evaluation(confusion: [[5, 2], [1, 12]], loss: 0.5)   // 20 samples
        let b = Evaluation(confusion: [[10, 0], [3, 47]], loss: 0.1)  // 60 samples
        let c = Evaluation.empty(classes: 2)
        let sum = try Evaluation.combined([a, b, c])
        #expect(sum.confusion == [[15, 2], [4, 59]])
        #expect(sum.samples == 80)
        #expect(close(sum.loss, (0.5 * 20 + 0.1 * 60) / 80))
        #expect(close(sum.accuracy, 74.0 / 80))
        // Summing matrices is not averaging the participants' metrics.
        #expect(!close(sum.macroF1, (a.macroF1 + b.macroF1) / 2))
        #expect(try Evaluation.combined([a]) == a)
        #expect(try Evaluation.combined([c, c]).loss == 0)
        #expect(throws: MetricsError.self) { try Evaluation.combined([]) }
        #expect(throws: MetricsError.self) { try Evaluation.combined([a, Evaluation.empty(classes: 3)]) }
    }

    @Test("validation catches inconsistent evaluations")
    func validate() {
        #expect(throws: MetricsError.self) { try Evaluation(samples: 5, loss: 0.1, confusion: [[1, 1], [1, 1]]).validate() }
        #expect(throws: MetricsError.self) { try Evaluation(samples: 3, loss: 0.1, confusion: [[1, 1], [1]]).validate() }
        #expect(throws: MetricsError.self) { try Evaluation(samples: 0, loss: 0.1, confusion: [[1, -1], [0, 0]]).validate() }
        #expect(throws: MetricsError.self) { try Evaluation(confusion: [[1, 0], [0, 1]], loss: .nan).validate() }
        #expect(throws: MetricsError.self) { try Evaluation(confusion: [[1, 0], [0, 1]], loss: -1).validate() }
        #expect(throws: MetricsError.self) { try Evaluation(confusion: [[1, 0], [0, 1]], loss: 1).validate(classes: 3) }
    }

    @Test("the metrics JSON of the external-trainer contract")
    func json() throws {
        let text = #"{"samples": 4, "loss": 0.25, "confusion": [[1, 1], [0, 2]], "train_samples": 16}"#
        let e = try JSONDecoder().decode(Evaluation.self, from: Data(text.utf8))
        #expect(e == Evaluation(samples: 4, loss: 0.25, confusion: [[1, 1], [0, 2]]))
        let back = try JSONSerialization.jsonObject(with: JSONEncoder().encode(e)) as? [String: Any]
        #expect(Set(back?.keys ?? [:].keys) == ["samples", "loss", "confusion"])
    }
}
