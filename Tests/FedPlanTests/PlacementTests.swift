import FedCatalog
import FedOptimize
import FedSpec
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import FedPlan

@Suite struct PlacementTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func caseStudy(_ edit: (String) -> String = { $0 }) throws -> Spec {
        let text = edit(try String(contentsOf: repo.appendingPathComponent("specs/covid19-multicloud.yaml"), encoding: .utf8))
        let r = SpecLoader(credentialCheck: .skip).load(bytes: Array(text.utf8), file: "covid.yaml")
        return try #require(r.spec, "\(r.diagnostics.items.map(\.rendered))")
    }

    @Test func estimateFollowsTheDocumentedFormulas() throws {
        let spec = try Self.caseStudy()
        let catalog = Catalog.bundled
        let model = PlacementModel(spec: spec, catalog: catalog)
        let region = RegionRef(cloud: "aws", region: "us-east-1")
        let offer = try catalog.offer("m5.large", in: region)
        let e = try model.estimate(offer, specCloud: "aws")

        let runHours = 20.0 * 15 * 60 / 3600                      // rounds × roundDeadline
        #expect(abs(e.computeUSD - 0.096 * runHours) < 1e-9)
        let egressGB = 26e6 * 2 * 3 * 20 / 1e9                    // size × 2 × participants × rounds
        #expect(abs(e.egressUSD - egressGB * (try catalog.egressUsdPerGB(from: region))) < 1e-9)
        #expect(abs(e.cost - (try catalog.convert(e.costUSD, from: "USD", to: "KRW"))) < 1e-6)

        let transfer = 2 * 26e6 * 8 / 10e9 * 1000                 // down and up at 10Gbps, ms
        let rtts = try ["aws/us-east-1", "aws/ap-northeast-1", "aws/eu-central-1"].map {
            try catalog.rttMs(try RegionRef(parsing: $0), region).ms
        }
        let aggregation = 26e6 * 3 / (2 * 1e9) * 1000             // size × participants / (vCPU × 1 GB/s)
        #expect(abs(e.roundLatencyMs - (rtts.max()! + transfer + aggregation)) < 1e-9)
        #expect(e.slowestParticipant == "hospital-asia")
    }

    @Test func nsga2FrontEqualsTheExhaustiveFrontOnTheBundledCatalog() throws {
        for weights in [(0.9, 0.1), (0.5, 0.5), (0.1, 0.9)] {
            let spec = try Self.caseStudy()
            let optimizer = AggregatorOptimizer(model: PlacementModel(spec: spec, catalog: .bundled), settings: spec.aggregator.optimizer,
                                                weights: Weights(cost: weights.0, latency: weights.1)!)
            let d = try optimizer.decide()
            let table = AggregatorOptimizer.table(d.candidates, model: optimizer.model)
            #expect(Set(d.front) == Set(exhaustiveParetoFront(table)))
            #expect(d.front.contains(d.chosen))
            #expect(d.candidates.count == Catalog.bundled.offers.count)
        }
    }

    @Test func weightsMoveTheChoiceAlongTheFront() throws {
        let spec = try Self.caseStudy()
        func choose(_ c: Double, _ l: Double) throws -> CandidateEstimate {
            try AggregatorOptimizer(model: PlacementModel(spec: spec, catalog: .bundled), settings: spec.aggregator.optimizer,
                                    weights: Weights(cost: c, latency: l)!).decide().choice
        }
        let cheap = try choose(1, 0), fast = try choose(0, 1), middle = try choose(0.5, 0.5)
        let d = try AggregatorOptimizer(model: PlacementModel(spec: spec, catalog: .bundled), settings: spec.aggregator.optimizer,
                                        weights: Weights(cost: 1, latency: 1)!).decide()
        let front = d.front.map { d.candidates[$0] }
        #expect(cheap.cost == front.map(\.cost).min())
        #expect(fast.roundLatencyMs == front.map(\.roundLatencyMs).min())
        #expect(middle.cost >= cheap.cost && middle.roundLatencyMs >= fast.roundLatencyMs)
        #expect(cheap.roundLatencyMs <= 250 && fast.cost <= 85000)
    }

    @Test func sameInputsSameChoiceAndTheRecordedOneIsKept() throws {
        let spec = try Self.caseStudy()
        let optimizer = AggregatorOptimizer(model: PlacementModel(spec: spec, catalog: .bundled), settings: spec.aggregator.optimizer,
                                            weights: spec.aggregator.weights)
        let a = try optimizer.decide(), b = try optimizer.decide()
        #expect(a.chosen == b.chosen && a.front == b.front)
        let c = a.choice
        let kept = try optimizer.decide(recorded: (c.specCloud, c.region.region, c.instanceType))
        #expect(kept.keptRecorded && kept.chosen == a.chosen)
        // A recorded placement that is now worse than the best is not kept.
        let worse = a.front.first { $0 != a.chosen }.map { a.candidates[$0] }!
        let moved = try optimizer.decide(recorded: (worse.specCloud, worse.region.region, worse.instanceType))
        #expect(!moved.keptRecorded && moved.chosen == a.chosen)
    }

    @Test func infeasibleLimitsNameTheClosestCandidateAndTheBreach() throws {
        let spec = try Self.caseStudy { $0.replacingOccurrences(of: "maxRoundLatency: 250ms", with: "maxRoundLatency: 100ms") }
        let optimizer = AggregatorOptimizer(model: PlacementModel(spec: spec, catalog: .bundled), settings: spec.aggregator.optimizer,
                                            weights: spec.aggregator.weights)
        #expect(throws: PlacementInfeasible.self) { try optimizer.decide() }
        do { _ = try optimizer.decide() } catch let e as PlacementInfeasible {
            #expect(e.message.hasPrefix("no candidate satisfies maxRoundLatency 100ms and maxCost 85000 KRW and minVcpu 2 and minMemoryGiB 4; the closest is "))
            #expect(e.message.contains(" which breaks maxRoundLatency by "))
        }
    }

    @Test func filtersRestrictTheCandidates() throws {
        let spec = try Self.caseStudy {
            $0.replacingOccurrences(of: "    clouds: [aws, gcp, azure]\n", with: "    clouds: [aws, gcp, azure]\n    regions: [eu-west-1, europe-west1]\n    instanceTypes: [m5.large, n2-standard-4]\n")
        }
        let all = try PlacementModel(spec: spec, catalog: .bundled).candidates()
        #expect(Set(all.map(\.label)) == ["aws/eu-west-1/m5.large", "gcp/europe-west1/n2-standard-4"])
    }

    @Test func baselineIsTheFirstParticipantsHomeRegion() throws {
        let spec = try Self.caseStudy()
        let b = try #require(try Baseline.estimate(PlacementModel(spec: spec, catalog: .bundled)))
        #expect(b.region == RegionRef(cloud: "aws", region: "us-east-1"))
        let home = Catalog.bundled.offers(in: b.region).filter { $0.type.vcpu >= 2 && $0.type.memoryGiB >= 4 }
        #expect(b.offer.usdPerHour == home.map(\.usdPerHour).min())
        #expect(Baseline.change(50, from: 100) == -50)
    }

    @Test func chartIsWellFormedSVGWithEveryFeasiblePoint() throws {
        let spec = try Self.caseStudy()
        let optimizer = AggregatorOptimizer(model: PlacementModel(spec: spec, catalog: .bundled), settings: spec.aggregator.optimizer,
                                            weights: spec.aggregator.weights)
        let d = try optimizer.decide()
        let svg = FrontChart(decision: d, baseline: try Baseline.estimate(optimizer.model), title: "t").svg()
        let doc = try XMLDocument(data: Data(svg.utf8))
        let circles = try doc.nodes(forXPath: "//*[local-name()='circle']")
        // feasible non-front + front + the chosen ring + 3 legend marks
        #expect(circles.count == d.feasible.count + 1 + 3)
        #expect(svg.contains("round latency (ms)") && svg.contains("cost per run (KRW)"))
        #expect(svg.contains(d.choice.label))
    }
}
