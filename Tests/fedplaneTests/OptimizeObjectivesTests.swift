import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import FedTestSupport

/// `optimize` with carbon and egress among the objectives (issue 16).
@Suite struct OptimizeObjectivesTests {
    static func spec(_ aggregatorLines: String) throws -> (TempDir, URL) {
        try OptimizeCommandTests.caseStudy {
            $0.replacingOccurrences(of: "  weights: { cost: 0.9, latency: 0.1 }\n", with: aggregatorLines)
        }
    }

    static func json(_ file: URL, _ extra: [String] = []) throws -> [String: Any] {
        let r = try CLI.run(["optimize", "-f", file.path, "--json"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test func fourObjectivesShowCarbonAndEgressAndTheWeightsMoveTheChoice() async throws { try await offPool { try Self().fourObjectivesShowCarbonAndEgressAndTheWeightsMoveTheChoiceBody() } }
    func fourObjectivesShowCarbonAndEgressAndTheWeightsMoveTheChoiceBody() throws {
        let (dir, file) = try Self.spec("  objectives: [cost, latency, carbon, egress]\n  weights: { cost: 1, latency: 1, carbon: 1, egress: 1 }\n")
        _ = dir
        let r = try CLI.run(["optimize", "-f", file.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("carbon/run (kg CO2e)") && r.stdout.contains("egress/run (GB)"))
        #expect(r.stdout.contains("weights cost 0.25, latency 0.25, carbon 0.25, egress 0.25"))
        #expect(r.stdout.contains("\nCarbon: ") && r.stdout.contains("\nEgress: "))

        let doc = try Self.json(file)
        #expect(doc["objectives"] as? [String] == ["cost", "latency", "carbon", "egress"])
        let front = try #require(doc["front"] as? [[String: Any]])
        #expect(front.allSatisfy { $0["carbon_kg_co2e"] is Double && $0["egress_gb"] is Double })
        // Carbon alone picks the front's lowest-carbon point; egress alone one that stays in AWS
        // with the (all-AWS) hospitals.
        let green = try #require(try Self.json(file, ["--weights", "carbon=1"])["chosen"] as? [String: Any])
        #expect(green["carbon_kg_co2e"] as? Double == front.compactMap { $0["carbon_kg_co2e"] as? Double }.min())
        let local = try #require(try Self.json(file, ["--weights", "egress=1"])["chosen"] as? [String: Any])
        #expect(local["egress_gb"] as? Double == 0 && local["cloud"] as? String == "aws")
    }

    @Test func limitsOnCarbonAndEgressAreRespectedOrNamed() async throws { try await offPool { try Self().limitsOnCarbonAndEgressAreRespectedOrNamedBody() } }
    func limitsOnCarbonAndEgressAreRespectedOrNamedBody() throws {
        let (dir, file) = try Self.spec("  objectives: [cost, latency, carbon]\n  weights: { cost: 1 }\n")
        _ = dir
        let cheapest = try #require(try Self.json(file)["chosen"] as? [String: Any])
        let kg = try #require(cheapest["carbon_kg_co2e"] as? Double)
        // Limits below the cheapest choice's carbon and at ~0 egress move the choice.
        let (dir3, zeroEgress) = try OptimizeCommandTests.caseStudy {
            $0.replacingOccurrences(of: "    minMemoryGiB: 4\n", with: "    minMemoryGiB: 4\n    maxCarbon: \(String(format: "%.9f", kg / 2))kg\n    maxEgress: 1MB\n")
              .replacingOccurrences(of: "  weights: { cost: 0.9, latency: 0.1 }\n", with: "  objectives: [cost, latency, carbon, egress]\n  weights: { cost: 1 }\n")
        }
        _ = dir3
        let chosen = try #require(try Self.json(zeroEgress)["chosen"] as? [String: Any])
        #expect((chosen["carbon_kg_co2e"] as! Double) <= kg / 2)
        #expect(chosen["egress_gb"] as? Double == 0)
        let (dir4, impossible) = try OptimizeCommandTests.caseStudy {
            $0.replacingOccurrences(of: "    minMemoryGiB: 4\n", with: "    minMemoryGiB: 4\n    maxCarbon: 0.01g\n")
        }
        _ = dir4
        let r = try CLI.run(["optimize", "-f", impossible.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("no candidate satisfies") && r.stderr.contains("maxCarbon 1e-05kg") && r.stderr.contains("maxCarbon by "), "\(r.stderr)")
    }

    @Test func aWeightOutsideTheObjectivesIsRefused() async throws { try await offPool { try Self().aWeightOutsideTheObjectivesIsRefusedBody() } }
    func aWeightOutsideTheObjectivesIsRefusedBody() throws {
        let r = try CLI.run(["optimize", "-f", "specs/covid19-multicloud.yaml", "--weights", "carbon=1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("--weights: carbon is not among the spec's aggregator.objectives (cost, latency)"), "\(r.stderr)")
    }

    @Test func projectionsDrawOneChartPerPairWithTheChosenPoint() async throws { try await offPool { try Self().projectionsDrawOneChartPerPairWithTheChosenPointBody() } }
    func projectionsDrawOneChartPerPairWithTheChosenPointBody() throws {
        let (dir, file) = try Self.spec("  objectives: [cost, latency, carbon]\n")
        let out = dir.url.appendingPathComponent("charts").path
        let r = try CLI.run(["optimize", "-f", file.path, "--projections", out])
        #expect(r.status == 0, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(names == ["cost-carbon.svg", "cost-latency.svg", "latency-carbon.svg"])
        #expect(r.stdout.contains("Wrote 3 projections of the front"))
        for name in names {
            let svg = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
            #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>\n"))
            #expect(svg.components(separatedBy: "class=\"chosen\"").count == 2, "one chosen point in \(name)")
            #expect(svg.contains("class=\"front\""))
            let doc = try XMLDocument(data: Data(svg.utf8))   // well-formed
            #expect(doc.rootElement()?.name == "svg")
        }
        #expect(try String(contentsOfFile: out + "/cost-carbon.svg", encoding: .utf8).contains("carbon per run (kg CO2e)"))
    }
}
