import Foundation
import Testing
import FedTestSupport

/// `aggregator.topology: hierarchical`: optimize searches it; plan and apply provision it
/// (HierarchicalApplyTests) except with a strategy that does not compose across regional
/// aggregators, which they refuse with a positioned error (issue 16).
@Suite struct HierarchicalCommandTests {
    @Test func planAndApplyRefuseARobustStrategyWithAHierarchicalTopology() async throws { try await offPool { try Self().planAndApplyRefuseARobustStrategyWithAHierarchicalTopologyBody() } }
    func planAndApplyRefuseARobustStrategyWithAHierarchicalTopologyBody() throws {
        let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "  weights: { cost: 0.5, latency: 0.5 }\n", with: "  weights: { cost: 0.5, latency: 0.5 }\n  topology: hierarchical\n")
            .replacingOccurrences(of: "strategy: fedavg", with: "strategy: median")
        let f = try Federation(text)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("topology: hierarchical") }! + 1
        for args in [["plan"], ["apply", "--auto-approve"]] {
            let r = try f.run(args)
            #expect(r.status == 1, "\(args): \(r.stdout) \(r.stderr)")
            #expect(r.stderr.contains("\(f.spec.path):\(line):13: aggregator.topology: hierarchical aggregation is FedAvg only: training.strategy: median does not compose across regional aggregators"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: f.localRoot.appendingPathComponent("aggregator").path))
        }
    }

    @Test func optimizeShowsTheHierarchicalFrontAndTheFlatChoice() async throws { try await offPool { try Self().optimizeShowsTheHierarchicalFrontAndTheFlatChoiceBody() } }
    func optimizeShowsTheHierarchicalFrontAndTheFlatChoiceBody() throws {
        let (dir, file) = try OptimizeCommandTests.caseStudy {
            $0.replacingOccurrences(of: "  weights: { cost: 0.9, latency: 0.1 }\n",
                                    with: "  topology: hierarchical\n  maxRegional: 2\n  objectives: [cost, latency, egress]\n  weights: { cost: 1, latency: 1, egress: 1 }\n")
              .replacingOccurrences(of: "population: 100, generations: 200", with: "population: 40, generations: 40")
        }
        _ = dir
        let charts = dir.url.appendingPathComponent("charts").path
        let r = try CLI.run(["optimize", "-f", file.path, "--projections", charts])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: charts).sorted() == ["cost-egress.svg", "cost-latency.svg", "latency-egress.svg"])
        let svg = try String(contentsOfFile: charts + "/cost-egress.svg", encoding: .utf8)
        #expect(svg.components(separatedBy: "class=\"chosen\"").count == 2 && svg.contains("hierarchical front"))
        #expect(r.stdout.hasPrefix("Hierarchical placement: NSGA-II front of "))
        #expect(r.stdout.contains("up to 2 regional aggregators"))
        #expect(r.stdout.contains("\nChosen: global ") && r.stdout.contains("Flat choice with the same weights: "))
        let j = try CLI.run(["optimize", "-f", file.path, "--json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(doc["topology"] as? String == "hierarchical")
        let front = try #require(doc["front"] as? [[String: Any]])
        #expect(!front.isEmpty)
        // Every flat layout is merged into the front, so no point of it is worse than the flat
        // choice on all of (cost, latency, egress) (up to rounding: the two models sum in another order).
        let flat = try #require(doc["flat_chosen"] as? [String: Any])
        for point in front {
            let worse = ["cost", "round_latency_ms", "egress_gb"].allSatisfy { k in
                (point[k] as! Double) > (flat[k] as! Double) * (1 + 1e-9) + 1e-9
            }
            #expect(!worse, "\(point) is dominated by the flat choice \(flat)")
        }
        for point in front {
            // Every participant is served exactly once, directly or by one regional aggregator.
            let regional = try #require(point["regional"] as? [[String: Any]])
            #expect(regional.count <= 2)
            let served = (point["direct"] as! [String]) + regional.flatMap { $0["participants"] as! [String] }
            #expect(served.sorted() == ["hospital-asia", "hospital-eu", "hospital-us"])
        }
    }
}
