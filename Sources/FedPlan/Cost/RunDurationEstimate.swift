import FedSpec
import FedState
import Foundation

/// How long the planner expects a run (the aggregator's running time) to last, and by which rule.
///
/// - `roundDeadline` (no finished run yet): rounds × `training.roundDeadline` — a round lasts at
///   most its deadline, so this bounds the bill;
/// - `measured` (the federation has a succeeded run): the median of that run's round durations ×
///   rounds + its measured start-up, where start-up is the aggregator's running time outside the
///   rounds (starting, the final evaluation pass, stopping) — or, for a run recorded before
///   fedplane measured the aggregator, the run's wall time outside the rounds.
public struct RunDurationEstimate: Sendable, Equatable {
    public enum Rule: String, Sendable {
        case roundDeadline = "round-deadline"
        case measured
    }

    public var rule: Rule
    public var seconds: Double
    public var rounds: Int
    /// `measured` only: the run it comes from, its median round and start-up.
    public var basedOnRun: Int?
    public var medianRoundSeconds: Double?
    public var startupSeconds: Double?
    /// `roundDeadline` only.
    public var roundDeadlineSeconds: Double?

    public var hours: Double { seconds / 3600 }

    /// The rule for `spec` given the state's newest succeeded run (nil: none).
    public static func forSpec(_ spec: Spec, measured: RunTiming?) -> RunDurationEstimate {
        let rounds = spec.training.rounds
        guard let m = measured, !m.roundSeconds.isEmpty else {
            let deadline = spec.training.roundDeadline.seconds
            return RunDurationEstimate(rule: .roundDeadline, seconds: Double(rounds) * deadline, rounds: rounds,
                                       roundDeadlineSeconds: deadline)
        }
        let median = Self.median(m.roundSeconds)
        let inRounds = m.roundSeconds.reduce(0, +)
        let startup = max(0, (m.aggregatorSeconds ?? m.wallSeconds ?? inRounds) - inRounds)
        return RunDurationEstimate(rule: .measured, seconds: median * Double(rounds) + startup, rounds: rounds, basedOnRun: m.run,
                                   medianRoundSeconds: median, startupSeconds: startup)
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// "estimated from run 1's measured rounds: median round 1.21 s × 10 rounds + 2.4 s start-up = 14.5 s".
    public var phrase: String {
        switch rule {
        case .roundDeadline:
            return "rounds × roundDeadline: \(rounds) × \(Self.seconds(roundDeadlineSeconds ?? 0)) = \(Self.seconds(seconds))"
        case .measured:
            return "estimated from run \(basedOnRun ?? 0)'s measured rounds: median round \(Self.seconds(medianRoundSeconds ?? 0)) × \(rounds) round\(rounds == 1 ? "" : "s") + \(Self.seconds(startupSeconds ?? 0)) start-up = \(Self.seconds(seconds))"
        }
    }

    /// Seconds for people: `0.84 s`, `14.5 s`, `1,200 s`.
    static func seconds(_ s: Double) -> String {
        if s == s.rounded() && s < 100 { return "\(Int(s)) s" }
        if s < 10 { return String(format: "%.2f s", s) }
        if s < 100 { return String(format: "%.1f s", s) }
        return "\(Money.format(s.rounded())) s"
    }
}

/// The planner's use of the rule: only a measured estimate changes anything, so a federation
/// without a finished run plans exactly as before.
enum MeasuredDuration {
    static func estimate(_ spec: Spec, state: StateSnapshot?) -> RunDurationEstimate? {
        guard let m = state?.measuredRun else { return nil }
        let e = RunDurationEstimate.forSpec(spec, measured: m)
        return e.rule == .measured ? e : nil
    }

    static func phrase(_ spec: Spec, state: StateSnapshot?) -> String? { estimate(spec, state: state)?.phrase }
}
