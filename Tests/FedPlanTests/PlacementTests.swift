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
            #expect(d.frontIsExact && d.search.agreement?.isExact == true)
            #expect(Set(d.search.front) == Set(d.front), "NSGA-II 100 × 200 finds the exact front on the case study")
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
        let kept = try optimizer.decide(recorded: RecordedLayout.Site(cloud: c.specCloud, region: c.region.region, instanceType: c.instanceType))
        #expect(kept.keptRecorded && kept.chosen == a.chosen)
        // A recorded placement that is now worse than the best is not kept.
        let worse = a.front.first { $0 != a.chosen }.map { a.candidates[$0] }!
        let moved = try optimizer.decide(recorded: RecordedLayout.Site(cloud: worse.specCloud, region: worse.region.region, instanceType: worse.instanceType))
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
        // every candidate (infeasible ones faint) + the chosen ring + 4 legend marks
        #expect(circles.count == d.candidates.count + 1 + 4)
        #expect(try doc.nodes(forXPath: "//*[@class='infeasible']").count == d.candidates.count - d.feasible.count)
        #expect(try doc.nodes(forXPath: "//*[@class='front']").count == d.front.count + 1)   // + the polyline
        #expect(svg.contains("round latency (ms)") && svg.contains("cost per run (KRW)"))
        #expect(svg.contains(d.choice.label))
    }

    static func decision(_ edit: @escaping (String) -> String = { $0 }, weights: Weights? = nil, exactFrontLimit: Int = AggregatorOptimizer.defaultExactFrontLimit) throws -> (PlacementDecision, AggregatorOptimizer) {
        let spec = try caseStudy(edit)
        let optimizer = AggregatorOptimizer(model: PlacementModel(spec: spec, catalog: .bundled), settings: spec.aggregator.optimizer,
                                            weights: weights ?? spec.aggregator.weights, exactFrontLimit: exactFrontLimit)
        return (try optimizer.decide(), optimizer)
    }

    /// Population 4 × 1 generation meets no feasible candidate with this seed; the decision is
    /// still the exact front's, the same as with the full budget, and says NSGA-II missed it.
    @Test func aTinyBudgetNeverMakesAFeasibleSpecInfeasible() throws {
        let (full, _) = try Self.decision()
        for seed in 1...5 {
            let (tiny, _) = try Self.decision { $0.replacingOccurrences(of: "population: 100, generations: 200, seed: 7", with: "population: 4, generations: 1, seed: \(seed)") }
            #expect(tiny.frontIsExact && tiny.front == full.front && tiny.chosen == full.chosen)
            let a = try #require(tiny.search.agreement)
            #expect(!a.isExact && a.exactPoints == 7 && a.foundPoints < 7)
            #expect(tiny.search.sentence(frontIsExact: true).hasPrefix("the exact front (every candidate enumerated); NSGA-II with population 4, 1 generation, seed \(seed) found "))
        }
    }

    /// Above the enumeration limit the front is NSGA-II's and is called approximate; with the
    /// full budget it is still the true front here.
    @Test func aboveTheLimitTheFrontIsNSGA2sAndSaidToBeApproximate() throws {
        let (exact, _) = try Self.decision()
        let (approx, _) = try Self.decision(exactFrontLimit: 100)
        #expect(!approx.frontIsExact && approx.search.agreement == nil)
        #expect(approx.front == approx.search.front && Set(approx.front) == Set(exact.front))
        #expect(approx.search.sentence(frontIsExact: false).hasPrefix("an approximate front, NSGA-II with population 100, 200 generations, seed 7"))
        // A budget too small to meet a feasible candidate falls back to enumeration, never to "infeasible".
        let (tiny, _) = try Self.decision({ $0.replacingOccurrences(of: "population: 100, generations: 200", with: "population: 4, generations: 1") },
                                          exactFrontLimit: 100)
        #expect(tiny.search.front.isEmpty && tiny.frontIsExact && tiny.front == exact.front)
    }

    @Test func ratioAndNamedWeightArgumentsAgree() throws {
        #expect(try Weights(argument: "9:1") == Weights(cost: 0.9, latency: 0.1))
        #expect(try Weights(argument: " 1 : 3 ") == Weights(cost: 0.25, latency: 0.75))
        #expect(try Weights(argument: "0.9:0.1") == Weights(argument: "cost=0.9,latency=0.1"))
        #expect(try Weights(argument: "latency=1") == Weights(cost: 0, latency: 1))
        for bad in ["", "9", "9:1:1", ":", "9:", "-1:2", "+1:2", "inf:1", "1e999:1", "x=1", "cost=1,,latency=1", "cost=1;latency=2", "0:0"] {
            #expect(throws: WeightsArgumentError.self, "\(bad)") { try Weights(argument: bad) }
        }
        do { _ = try Weights(argument: "9:1:1") } catch let e as WeightsArgumentError {
            #expect(e.message == "--weights: expected cost:latency (e.g. 9:1) or cost=N,latency=N (e.g. cost=0.9,latency=0.1) with non-negative numbers, got \"9:1:1\"")
        }
        do { _ = try Weights(argument: "9:x") } catch let e as WeightsArgumentError {
            #expect(e.message.hasPrefix("--weights: latency weight \"x\" is not a non-negative number; "))
        }
    }

    /// The geometry behind the SVG: axes from 0 up, both limits drawn when near the data, the
    /// baseline marked, and no label over a point or another label.
    @Test(arguments: [("aws/us-east-1", "aws/ap-northeast-1", "aws/eu-central-1", "85000"),
                      ("aws/us-west-2", "gcp/asia-south1", "azure/westeurope", "85000"),
                      ("aws/us-east-1", "aws/ap-northeast-1", "aws/eu-central-1", "6000")])
    func chartLayoutKeepsLabelsOffPointsAndAxesNonNegative(a: String, b: String, c: String, maxCost: String) throws {
        let edit: (String) -> String = {
            $0.replacingOccurrences(of: "location: aws/us-east-1", with: "location: \(a)")
                .replacingOccurrences(of: "location: aws/ap-northeast-1", with: "location: \(b)")
                .replacingOccurrences(of: "location: aws/eu-central-1", with: "location: \(c)")
                .replacingOccurrences(of: "amount: 85000", with: "amount: \(maxCost)")
        }
        let (d, optimizer) = try Self.decision(edit)
        let chart = FrontChart(decision: d, baseline: try Baseline.estimate(optimizer.model), title: "t",
                               limits: FrontChart.Limits(optimizer.model.spec))
        let layout = chart.layout()
        #expect(layout.xAxis.low >= 0 && layout.yAxis.low >= 0)
        #expect(layout.xAxis.ticks.allSatisfy { $0 >= 0 } && layout.yAxis.ticks.allSatisfy { $0 >= 0 })
        #expect(layout.xAxis.low <= d.candidates.map(\.roundLatencyMs).min()! && layout.xAxis.high >= d.candidates.map(\.roundLatencyMs).max()!)
        #expect(layout.yAxis.low <= d.candidates.map(\.cost).min()! && layout.yAxis.high >= d.candidates.map(\.cost).max()!)
        #expect(layout.lines.contains { $0.kind == .maxLatency })
        #expect(layout.markers.filter { $0.kind == .baseline }.count == 1)
        #expect(layout.markers.filter { $0.kind == .infeasible }.count == d.candidates.count - d.feasible.count)
        if maxCost == "6000" {
            #expect(layout.lines.contains { $0.kind == .maxCost } && layout.labels.contains { $0.kind == "limit-cost" })
        } else {
            #expect(layout.offChart.contains { $0.hasPrefix("max cost 85000 KRW") })
        }
        #expect(layout.labels.contains { $0.kind == "chosen" } && layout.labels.contains { $0.kind == "baseline" })
        for label in layout.labels {
            #expect(!layout.markers.contains { $0.box.intersects(label.box) }, "\(label.text) covers a point")
            #expect(!layout.labels.contains { $0.text != label.text && $0.box.intersects(label.box) }, "\(label.text) covers a label")
        }
    }
}
