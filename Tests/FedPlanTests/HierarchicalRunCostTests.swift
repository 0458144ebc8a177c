import FedCatalog
import FedDigest
import FedSpec
import FedState
import Foundation
import Testing
@testable import FedPlan

/// `fedplane cost` for a hierarchical run, priced: each regional aggregator's VM-hours at its own
/// instance price, participants' bytes at their own aggregator's region, the regional → global hop
/// at the global aggregator's (its parent's), as the placement optimizer prices it (hand-made usage
/// rows in a real SQLite state, the bundled catalog; the regional in ap-southeast-1, whose egress
/// price differs from us-east-1's, so each rate is told apart).
@Suite struct HierarchicalRunCostTests {
    @Test func eachLinkIsPricedAtItsParentsRegionAndEachRegionalVMAtItsOwn() throws {
        let spec = try PlacementTests.caseStudy()
        let catalog = Catalog.bundled
        let east = try catalog.egressUsdPerGB(from: RegionRef(cloud: "aws", region: "us-east-1"))
        let west = try catalog.egressUsdPerGB(from: RegionRef(cloud: "aws", region: "ap-southeast-1"))
        let westPrice = try catalog.offer("m5.large", in: RegionRef(cloud: "aws", region: "ap-southeast-1")).usdPerHour
        #expect(east != west)
        let prediction = CostPrediction.make(spec: spec, catalog: catalog, cloud: "aws", region: "us-east-1", instanceType: "m5.large", measured: nil)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hopcost-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let store = try StateStore.open(path: dir.appendingPathComponent("s.db").path, federation: spec.metadata.name, create: true)
        defer { store.close() }
        let (served, direct) = (spec.participants[2].name, spec.participants[0].name)
        let regional = JSONValue.object(["inputs": .object([
            "cloud": "aws", "region": "ap-southeast-1", "instanceType": "m5.large",
            "participants": .array([.string(served)]), "parent": "aggregator.main"])])
        try store.write { tx in
            try tx.upsertResource(address: "aggregator.regional.1", type: "aggregator", provider: "aws", providerID: "i-1",
                                  attributes: regional.canonical, inputsHash: "h")
            try tx.recordPrediction(PredictionRecord(run: 1, document: prediction.document.canonical, created: start))
            try tx.recordRun(RunRecord(run: 1, configHash: "c", status: .succeeded, started: start, finished: start.addingTimeInterval(1900)))
            try tx.startAggregatorSession(run: 1, at: start)
            try tx.stopAggregatorSession(run: 1, startedAt: start, at: start.addingTimeInterval(1800))
            try tx.startRegionalAggregatorSession(run: 1, aggregator: "aggregator.regional.1", at: start)
            try tx.stopRegionalAggregatorSession(run: 1, aggregator: "aggregator.regional.1", startedAt: start, at: start.addingTimeInterval(3600))
            try tx.recordTraffic(TrafficRecord(run: 1, round: 1, participant: direct, bytesUp: 1_000_000_000, bytesDown: 0))
            try tx.recordTraffic(TrafficRecord(run: 1, round: 1, participant: served, bytesUp: 2_000_000_000, bytesDown: 0))
            try tx.recordTraffic(TrafficRecord(run: 1, round: 1, participant: "regional:1", bytesUp: 3_000_000_000, bytesDown: 1_000_000_000))
        }
        let sessions = try store.regionalAggregatorSessions(run: 1)
        #expect(sessions.map(\.aggregator) == ["aggregator.regional.1"] && sessions.first?.seconds == 3600)
        // The main aggregator's sessions are unchanged by regional ones.
        #expect(try store.aggregatorSessions(run: 1).count == 1)

        let c = try #require(try RunCost.load(store, spec: spec, catalog: catalog).first)
        // Participants' figures: the hop row is kept apart.
        #expect(c.participants.map(\.participant).sorted() == [direct, served].sorted())
        #expect(abs(c.egressGB - 3) < 1e-12)
        let r = try #require(c.regionals.first)
        #expect(c.regionals.count == 1 && r.aggregator == "aggregator.regional.1" && r.contributor == "regional:1")
        #expect(r.region == "ap-southeast-1" && r.usdPerHour == westPrice && r.egressUsdPerGB == west && r.participants == [served])
        #expect(r.hours == 1 && r.hopBytesUp == 3_000_000_000 && r.hopBytesDown == 1_000_000_000)
        #expect(abs(r.computeUSD! - westPrice) < 1e-12 && abs(c.hopUSD(of: r)! - 4 * east) < 1e-12)
        #expect(abs(c.egressUSD! - (1 * east + 2 * west)) < 1e-12)
        #expect(abs(c.computeUSD! - 0.096 * 0.5) < 1e-12)
        #expect(abs(c.totalUSD! - (0.096 * 0.5 + 1 * east + 2 * west + westPrice + 4 * east)) < 1e-12)

        let report = CostReport(runs: [c], catalog: catalog)
        for needle in ["aggregator.regional.1 VM-hours", "aggregator.regional.1 compute", "hop regional:1 ↔ global (volume)",
                       "3000000000 bytes up (its round results to the global aggregator)", "not predicted"] {
            #expect(report.human.contains(needle), "\(needle) missing from:\n\(report.human)")
        }
        guard case .array(let runs)? = report.json["runs"], let actual = runs.first?["actual"],
              case .array(let regionals)? = actual["regional_aggregators"] else {
            Issue.record("no regional aggregators in \(report.json.canonical)")
            return
        }
        #expect(regionals.first?["hop_bytes_up"]?.numberValue == 3e9 && regionals.first?["instance_type"]?.stringValue == "m5.large")
        #expect(actual["hop_egress_usd"]?.numberValue.map { abs($0 - 4 * east) < 1e-12 } == true)
        guard case .array(let ps)? = actual["participants"] else { Issue.record("no participants"); return }
        #expect(ps.first { $0["participant"]?.stringValue == served }?["aggregator"]?.stringValue == "aggregator.regional.1")

        // A hierarchical plan's prediction counts the regional aggregator and both hops, and reads back.
        let placed = CostPrediction.RegionalPlacement(aggregator: "aggregator.regional.1", cloud: "aws", region: "ap-southeast-1",
                                                      instanceType: "m5.large", participants: [served])
        let hier = CostPrediction.make(spec: spec, catalog: catalog, cloud: "aws", region: "us-east-1", instanceType: "m5.large",
                                       measured: nil, regionals: [placed])
        #expect(CostPrediction(document: try JSONValue.parse(hier.document.canonical)) == hier)
        #expect(prediction.document["regional"] == nil, "a flat prediction's document is unchanged")
        let perGB = prediction.participants[0].egressGB
        #expect(hier.regionals.count == 1 && abs(hier.hopGB - perGB) < 1e-12 && abs(hier.hopUSD! - perGB * east) < 1e-12)
        #expect(abs(hier.egressUSD! - perGB * (2 * east + west)) < 1e-12)
        #expect(abs(hier.regionalComputeUSD! - westPrice * 5) < 1e-12)
        #expect(abs(hier.totalUSD! - (0.096 * 5 + westPrice * 5 + perGB * (2 * east + west) + perGB * east)) < 1e-12)
        var predicted = c
        predicted.prediction = hier
        let text = CostReport(runs: [predicted], catalog: catalog).human
        #expect(!text.contains("not predicted") && text.contains("as the prediction does"), "\(text)")
        guard case .array(let runs2)? = CostReport(runs: [predicted], catalog: catalog).json["runs"],
              case .array(let predictedRegionals)? = runs2.first?["predicted"]?["regional_aggregators"] else {
            Issue.record("no predicted regional aggregators")
            return
        }
        #expect(predictedRegionals.first?["hop_egress_gb"]?.numberValue == perGB)
    }
}
