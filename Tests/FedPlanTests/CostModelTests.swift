import FedCatalog
import FedDigest
import FedSpec
import FedState
import Foundation
import Testing
@testable import FedPlan

/// The cost model checked against runs: the planner's duration rule, the prediction kept for a
/// run, and the actual costs priced from what a run used (in a real SQLite state).
@Suite struct CostModelTests {
    @Test func durationRuleIsTheDeadlineUntilARunIsMeasured() throws {
        let spec = try PlacementTests.caseStudy()
        let deadline = RunDurationEstimate.forSpec(spec, measured: nil)
        #expect(deadline.rule == .roundDeadline && deadline.seconds == 20 * 15 * 60)
        #expect(deadline.phrase == "rounds × roundDeadline: 20 × 900 s = 18000 s")

        // The median of the last run's rounds × rounds + its start-up (aggregator time outside the rounds).
        let timing = RunTiming(run: 3, roundSeconds: [3, 1, 2, 10], aggregatorSeconds: 30, wallSeconds: 31)
        let measured = RunDurationEstimate.forSpec(spec, measured: timing)
        #expect(measured.rule == .measured && measured.basedOnRun == 3)
        #expect(measured.medianRoundSeconds == 2.5 && measured.startupSeconds == 14)
        #expect(measured.seconds == 2.5 * 20 + 14)
        #expect(measured.phrase.hasPrefix("estimated from run 3's measured rounds: median round 2.50 s × 20 rounds + 14 s start-up"))
        // A run recorded before sessions were: its wall time outside the rounds.
        #expect(RunDurationEstimate.forSpec(spec, measured: RunTiming(run: 1, roundSeconds: [2, 2], aggregatorSeconds: nil, wallSeconds: 7)).startupSeconds == 3)

        // The placement model prices compute over the measured duration.
        var model = PlacementModel(spec: spec, catalog: .bundled)
        let offer = try Catalog.bundled.offer("m5.large", in: RegionRef(cloud: "aws", region: "us-east-1"))
        let before = try model.estimate(offer, specCloud: "aws")
        model.duration = measured
        let after = try model.estimate(offer, specCloud: "aws")
        #expect(abs(before.computeUSD - 0.096 * 5) < 1e-9)
        #expect(abs(after.computeUSD - 0.096 * measured.hours) < 1e-12)
        #expect(after.egressUSD == before.egressUSD)
    }

    @Test func actualCostsArePricedFromWhatTheRunUsed() throws {
        let spec = try PlacementTests.caseStudy()
        let catalog = Catalog.bundled
        let region = RegionRef(cloud: "aws", region: "us-east-1")
        let rate = try catalog.egressUsdPerGB(from: region)
        let prediction = CostPrediction.make(spec: spec, catalog: catalog, cloud: "aws", region: "us-east-1", instanceType: "m5.large", measured: nil)
        #expect(prediction.usdPerHour == 0.096 && prediction.duration.seconds == 18000)
        #expect(abs(prediction.computeUSD! - 0.096 * 5) < 1e-12)
        #expect(prediction.participants.count == 3 && abs(prediction.egressGB - 26e6 * 2 * 20 * 3 / 1e9) < 1e-9)
        // The stored document reads back as the same prediction.
        #expect(CostPrediction(document: try JSONValue.parse(prediction.document.canonical)) == prediction)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cost-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let store = try StateStore.open(path: dir.appendingPathComponent("s.db").path, federation: spec.metadata.name, create: true)
        defer { store.close() }
        try store.write { tx in
            try tx.recordPrediction(PredictionRecord(run: 1, document: prediction.document.canonical, created: start))
            try tx.recordRun(RunRecord(run: 1, configHash: "c", status: .succeeded, started: start, finished: start.addingTimeInterval(1900)))
            try tx.startAggregatorSession(run: 1, at: start)
            try tx.stopAggregatorSession(run: 1, startedAt: start, at: start.addingTimeInterval(1800))
            for (i, p) in spec.participants.enumerated() {
                try tx.recordTraffic(TrafficRecord(run: 1, round: 1, participant: p.name, bytesUp: 26_000_000, bytesDown: 26_000_000 * (i + 1)))
            }
            // A run that is still going is not reported.
            try tx.recordRun(RunRecord(run: 2, configHash: "c", status: .running, started: start))
        }
        let runs = try RunCost.load(store, spec: spec, catalog: catalog)
        #expect(runs.map(\.run.run) == [1])
        let c = try #require(runs.first)
        #expect(c.aggregatorHours == 0.5)
        #expect(abs(c.computeUSD! - 0.096 * 0.5) < 1e-12)
        let gb = (26e6 * 3 + 26e6 * 6) / 1e9
        #expect(abs(c.egressGB - gb) < 1e-12 && abs(c.egressUSD! - gb * rate) < 1e-12)
        #expect(abs(c.totalUSD! - (0.096 * 0.5 + gb * rate)) < 1e-12)

        let report = CostReport(runs: runs, catalog: catalog)
        let text = report.human
        for needle in ["run 1 — succeeded", "duration (aggregator running)", "aggregator compute", "egress hospital-asia (volume)",
                       "egress cost", "total cost", "−90.0 %", "amounts in KRW"] {
            #expect(text.contains(needle), "\(needle) missing from:\n\(text)")
        }
        guard case .array(let listed)? = report.json["runs"], let first = listed.first else {
            Issue.record("no runs in \(report.json.canonical)")
            return
        }
        #expect(first["actual"]?["compute_usd"]?.numberValue.map { abs($0 - 0.048) < 1e-12 } == true)
        #expect(first["predicted"]?["duration_rule"]?.stringValue == "round-deadline")

        #expect(throws: CostReportError.self) { try RunCost.load(store, spec: spec, catalog: catalog, run: 2) }
        #expect(throws: CostReportError.self) { try RunCost.load(store, spec: spec, catalog: catalog, run: 9) }
        #expect(CostReport(runs: [], catalog: catalog).human == CostReport.noRuns)
    }

    /// The README's rerun of the study's comparison with a measured duration (37.8 s for 20
    /// rounds): the choices and their changes against the baseline, as printed there.
    @Test func studyComparisonWithAMeasuredDurationMatchesTheREADME() throws {
        let spec = try PlacementTests.caseStudy()
        var model = PlacementModel(spec: spec, catalog: .bundled)
        model.duration = RunDurationEstimate(rule: .measured, seconds: 37.8, rounds: 20, basedOnRun: 1, medianRoundSeconds: 1.73, startupSeconds: 3.13)
        let base = try #require(try Baseline.estimate(model))
        #expect(base.label == "aws/us-east-1/t3.medium" && base.cost.rounded() == 407)
        func pct(_ x: Double) -> Double { (x * 10).rounded() / 10 }
        let expected: [(Double, String, Double, Double)] = [
            (0.9, "azure/westus3/Standard_F8s_v2", -1.7, -24.2),
            (0.5, "azure/westus3/Standard_F16s_v2", -0.4, -26.2),
            (0.1, "gcp/us-central1/e2-standard-32", 37.1, -29.6),
        ]
        for (cost, label, costChange, latencyChange) in expected {
            let d = try AggregatorOptimizer(model: model, settings: spec.aggregator.optimizer,
                                            weights: try #require(Weights(cost: cost, latency: 1 - cost))).decide()
            #expect(d.choice.label == label)
            #expect(pct(Baseline.change(d.choice.cost, from: base.cost)) == costChange)
            #expect(pct(Baseline.change(d.choice.roundLatencyMs, from: base.roundLatencyMs)) == latencyChange)
        }
    }
}
