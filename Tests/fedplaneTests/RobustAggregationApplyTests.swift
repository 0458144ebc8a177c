import Foundation
import Testing

/// `training.strategy: median | trimmed-mean` and `training.clipNorm`: checked with positions,
/// part of the run's configuration, carried out by the aggregator and recorded per round.
@Suite struct RobustAggregationApplyTests {
    @Test(arguments: [
        ("strategy: fedavg\n  trim: 0.2", "training.trim: trim applies to strategy: trimmed-mean only (strategy is fedavg)"),
        ("strategy: trimmed-mean\n  trim: 0.5", "training.trim: expected a fraction below 0.5"),
        ("strategy: fedavg\n  clipNorm: 0", "training.clipNorm: expected a positive number"),
        ("strategy: krum", "training.strategy:"),
    ])
    func badSettingsArePositionedErrors(_ replacement: String, _ message: String) throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "strategy: fedavg", with: replacement) }
        let out = try f.run(["validate"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("quickstart.yaml:5") && out.stderr.contains(message), "\(out.stderr)")
    }

    @Test func aMedianRunWithClippingIsRecordedPerRoundAndPlansANewRunWhenChanged() throws {
        let f = try Federation()
        try f.editSpec {
            $0.replacingOccurrences(of: "strategy: fedavg", with: "strategy: median\n  clipNorm: 10")
                .replacingOccurrences(of: "rounds: 10", with: "rounds: 2")
        }
        let applied = try f.run(["apply", "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stderr.contains("round 1/2 (median, clip 10.0):"), "\(applied.stderr)")
        #expect(try f.sql("SELECT round || ':' || aggregation FROM rounds WHERE run=1 ORDER BY round") == "1:median, clip 10.0\n2:median, clip 10.0")
        #expect(try f.sql("SELECT status FROM runs WHERE run=1") == "succeeded")
        // The aggregator was told: its launch file names the rule.
        let launch = try String(contentsOf: f.localRoot.appendingPathComponent("run/1/aggregator.json"), encoding: .utf8)
        #expect(launch.contains("\"method\" : \"median\"") && launch.contains("\"clipNorm\" : 10"), "\(launch)")

        // Back to FedAvg: a new run, and the plan says why.
        try f.editSpec { $0.replacingOccurrences(of: "strategy: median\n  clipNorm: 10", with: "strategy: fedavg") }
        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.stdout.contains("+ run.2"), "\(plan.stdout)")
        #expect(plan.stdout.contains("aggregation"), "\(plan.stdout)")
        let again = try f.run(["apply", "--auto-approve"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try f.sql("SELECT DISTINCT aggregation FROM rounds WHERE run=2") == "fedavg")
    }
}
