import FedAWSTestSupport
import Foundation
import Testing

@Suite struct OptimizeCommandTests {
    @Test func caseStudyFrontTableAndChart() throws {
        let dir = try TempDir()
        let svg = dir.url.appendingPathComponent("front.svg").path
        let r = try CLI.run(["optimize", "-f", "specs/covid19-multicloud.yaml", "--svg", svg, "--compare-baseline"],
                            environment: ["HOME": "/nonexistent", "PATH": "/usr/bin:/bin"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("Pareto front of ") == true)
        #expect(lines.filter { $0.hasPrefix("*  ") }.count == 1, "exactly one chosen row")
        #expect(r.stdout.contains("cost/run (KRW)") && r.stdout.contains("round latency (ms)"))
        #expect(r.stdout.contains("Baseline (the first participant's home region"))
        #expect(r.stdout.contains("Change: cost "))
        let chart = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(chart.hasPrefix("<svg ") && chart.hasSuffix("</svg>\n"))
    }

    @Test func weightsOverrideAndJSON() throws {
        func chosen(_ w: String) throws -> [String: Any] {
            let r = try CLI.run(["optimize", "-f", "specs/covid19-multicloud.yaml", "--json", "--weights", w])
            #expect(r.status == 0, "\(r.stderr)")
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            return try #require(doc["chosen"] as? [String: Any])
        }
        let cheap = try chosen("cost=1,latency=0"), fast = try chosen("cost=0,latency=1")
        #expect((cheap["cost"] as! Double) < (fast["cost"] as! Double))
        #expect((cheap["round_latency_ms"] as! Double) > (fast["round_latency_ms"] as! Double))
        let bad = try CLI.run(["optimize", "-f", "specs/covid19-multicloud.yaml", "--weights", "cost=0,latency=0"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("at least one weight must be greater than 0"))
        #expect(try CLI.run(["optimize", "-f", "specs/covid19-multicloud.yaml", "--weights", "speed=1"]).stderr.contains("unknown objective \"speed\""))
    }

    static func caseStudy(_ edit: (String) -> String) throws -> (TempDir, URL) {
        let dir = try TempDir()
        let text = edit(try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/covid19-multicloud.yaml"), encoding: .utf8))
        return (dir, try dir.write("covid.yaml", text))
    }

    /// The case study's three credential references, resolvable in `dir` (empty placeholders:
    /// planning checks that they exist, never calls a cloud); the environment that points at them.
    /// Plan verifies the aws credential with a real STS call: against `emulator`, never AWS.
    static func caseStudyCredentials(in dir: TempDir, emulator: AWSEmulator) throws -> [String: String] {
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("credentials"), withIntermediateDirectories: true)
        _ = try dir.write("credentials/gcp-sa.json", "{}")
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("home/.aws"), withIntermediateDirectories: true)
        _ = try dir.write("home/.aws/credentials", "[fl-platform]\naws_access_key_id = AKIAFEDPLANETEST0001\naws_secret_access_key = fedplanetestsecret0000000000000000000001\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: dir.url.appendingPathComponent("home/.aws/credentials").path)
        var env = ProcessInfo.processInfo.environment
        env["FEDPLANE_AWS_ENDPOINT"] = emulator.endpoint
        env["FEDPLANE_AWS_POLL_INTERVAL_S"] = "0.05"
        env["HOME"] = dir.url.appendingPathComponent("home").path
        for v in ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"] { env[v] = "set" }
        return env
    }

    static func json(_ args: [String]) throws -> [String: Any] {
        let r = try CLI.run(args + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// Population 4 for 1 generation (the smallest budget the docs allow) used to end with no
    /// feasible member, and `optimize` exited 1 naming a feasible candidate as "closest" with an
    /// empty "which breaks ". The front shown is now the exact one, whatever the budget, and the
    /// output says how NSGA-II did against it.
    @Test func aTinyBudgetStillGivesTheExactFrontAndSaysSo() throws {
        let (dir, f) = try Self.caseStudy {
            $0.replacingOccurrences(of: "population: 100, generations: 200", with: "population: 4, generations: 1")
        }
        _ = dir
        let r = try CLI.run(["optimize", "-f", f.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("no candidate satisfies"))
        #expect(r.stdout.contains("Front: the exact front (every candidate enumerated); NSGA-II with population 4, 1 generation, seed 7 found "), "\(r.stdout)")
        let tiny = try Self.json(["optimize", "-f", f.path])
        let full = try Self.json(["optimize", "-f", "specs/covid19-multicloud.yaml"])
        #expect(tiny["front_exact"] as? Bool == true && full["front_exact"] as? Bool == true)
        #expect((tiny["front"] as? [Any])?.count == 7)
        #expect(NSDictionary(dictionary: tiny["chosen"] as! [String: Any]) == NSDictionary(dictionary: full["chosen"] as! [String: Any]))
        let tinySearch = try #require(tiny["search"] as? [String: Any]), fullSearch = try #require(full["search"] as? [String: Any])
        #expect(tinySearch["found_exact_front"] as? Bool == false)
        #expect((tinySearch["found_points"] as? Double ?? 99) < 7)
        #expect(fullSearch["found_exact_front"] as? Bool == true)
        #expect(fullSearch["exact_front_points"] as? Double == 7 && fullSearch["found_points"] as? Double == 7)
        #expect(fullSearch["population"] as? Double == 100 && fullSearch["generations"] as? Double == 200)
        let text = try CLI.run(["optimize", "-f", "specs/covid19-multicloud.yaml"])
        #expect(text.stdout.contains("NSGA-II with population 100, 200 generations, seed 7 found all 7 of its points"), "\(text.stdout)")
    }

    /// `--weights 9:1` (cost:latency, as papers print it) picks what cost=0.9,latency=0.1 picks.
    @Test func ratioWeightsAsPapersPrintThem() throws {
        for (ratio, named) in [("9:1", "cost=0.9,latency=0.1"), ("1:9", "cost=0.1,latency=0.9"), ("5:5", "latency=1,cost=1"), ("0:1", "cost=0,latency=1")] {
            let a = try Self.json(["optimize", "-f", "specs/covid19-multicloud.yaml", "--weights", ratio])
            let b = try Self.json(["optimize", "-f", "specs/covid19-multicloud.yaml", "--weights", named])
            #expect(NSDictionary(dictionary: a["chosen"] as! [String: Any]) == NSDictionary(dictionary: b["chosen"] as! [String: Any]), "\(ratio)")
            #expect(NSDictionary(dictionary: a["weights"] as! [String: Any]) == NSDictionary(dictionary: b["weights"] as! [String: Any]), "\(ratio)")
        }
        let cheap = try Self.json(["optimize", "-f", "specs/covid19-multicloud.yaml", "--weights", "9:1"])
        #expect((cheap["chosen"] as? [String: Any])?["instance_type"] as? String == "t3.medium")
        for bad in ["9:1:1", "9:", ":1", "a:b", "9;1", "cost=0.9:latency=0.1", "0:0", "nan:1", "cost=1,cost=2"] {
            let r = try CLI.run(["optimize", "-f", "specs/covid19-multicloud.yaml", "--weights", bad])
            #expect(r.status == 64, "\(bad)")
            #expect(r.stderr.contains("--weights: "), "\(bad): \(r.stderr)")
            #expect(bad == "0:0" || bad == "cost=1,cost=2" || r.stderr.contains("expected cost:latency (e.g. 9:1) or cost=N,latency=N"), "\(bad): \(r.stderr)")
        }
    }

    /// Limits as dashed lines, the baseline, infeasible candidates faint, and no negative cost
    /// axis on a spec whose participants sit in us-west-2, asia-south1 and westeurope (the
    /// margin below the cheapest point used to take the axis to -2000).
    @Test func chartDrawsLimitsBaselineAndInfeasiblesOnNonNegativeAxes() throws {
        let (dir, f) = try Self.caseStudy {
            $0.replacingOccurrences(of: "location: aws/us-east-1", with: "location: aws/us-west-2")
                .replacingOccurrences(of: "location: aws/ap-northeast-1", with: "location: gcp/asia-south1")
                .replacingOccurrences(of: "location: aws/eu-central-1", with: "location: azure/westeurope")
        }
        let svg = dir.url.appendingPathComponent("front.svg").path
        let r = try CLI.run(["optimize", "-f", f.path, "--svg", svg])   // the chart marks the baseline even so
        #expect(r.status == 0, "\(r.stderr)")
        let chart = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(chart.contains("class=\"limit-latency\""))
        #expect(chart.contains("class=\"baseline\"") && chart.contains("baseline: aws/us-west-2/"))
        #expect(chart.contains("class=\"infeasible\""))
        // Tick labels are the text elements anchored "end" (y axis) or "middle" under the plot.
        let numbers = chart.split(separator: "\n").filter { $0.contains("text-anchor=\"end\"") || $0.contains("text-anchor=\"middle\">") }
            .compactMap { line -> Double? in
                guard let close = line.range(of: "</text>", options: .backwards),
                      let open = line[..<close.lowerBound].range(of: ">", options: .backwards) else { return nil }
                return Double(line[open.upperBound..<close.lowerBound])
            }
        #expect(numbers.count > 6)
        #expect(numbers.allSatisfy { $0 >= 0 }, "\(numbers)")
    }

    /// `plan` decides as `optimize` does: the same placement whatever NSGA-II's budget, and the
    /// same on every run.
    @Test func planPlacesAsOptimizeDoesEvenWithATinyBudget() throws {
        let (dir, spec) = try Self.caseStudy {
            $0.replacingOccurrences(of: "population: 100, generations: 200", with: "population: 4, generations: 1")
        }
        let emulator = try AWSEmulator()
        let env = try Self.caseStudyCredentials(in: dir, emulator: emulator)
        let plan = try CLI.run(["plan", "-f", spec.path, "--no-color"], in: dir.url, environment: env)
        #expect(plan.status == 0, "\(plan.stderr)")
        let chosen = try #require(try Self.json(["optimize", "-f", spec.path])["chosen"] as? [String: Any])
        let expected = "Aggregator placement: \(chosen["cloud"]!) / \(chosen["region"]!) / \(chosen["instance_type"]!), "
        #expect(plan.stdout.hasPrefix(expected + "707 KRW per run, 226 ms per round"), "\(plan.stdout.prefix(400))")
        #expect(plan.stdout.contains("(chosen from the exact Pareto front of 7 placements (148 of 392 candidates feasible), weights cost 0.9 / latency 0.1; NSGA-II with population 4, 1 generation, seed 7 found 0 of its 7 points)"), "\(plan.stdout.prefix(400))")
        let again = try CLI.run(["plan", "-f", spec.path, "--no-color"], in: dir.url, environment: env)
        #expect(again.stdout == plan.stdout)
    }

    @Test func infeasibleSpecSaysWhichLimitTheClosestBreaks() throws {
        let dir = try TempDir()
        let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/covid19-multicloud.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "maxRoundLatency: 250ms", with: "maxRoundLatency: 90ms")
        let f = try dir.write("covid.yaml", text)
        let r = try CLI.run(["optimize", "-f", f.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("aggregator: no candidate satisfies maxRoundLatency 90ms"), "\(r.stderr)")
        #expect(r.stderr.contains("the closest is ") && r.stderr.contains("breaks maxRoundLatency by "))
    }

    @Test func quickstartHasNothingToOptimize() throws {
        let r = try CLI.run(["optimize", "-f", "specs/quickstart.yaml"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("candidates are private clouds (lab)"))
    }

    @Test func catalogList() throws {
        let all = try CLI.run(["catalog", "list", "--json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any])
        #expect((doc["offers"] as? [Any])?.count == 392)
        let aws = try CLI.run(["catalog", "list", "--cloud", "aws"])
        #expect(aws.stdout.contains("us-east-1") && aws.stdout.contains("m5.large") && !aws.stdout.contains("e2-standard"))
        #expect(try CLI.run(["catalog", "list", "--cloud", "ibm"]).status == 1)
    }

    /// The plan carries the optimizer's placement and keeps it across plans; the aggregator's
    /// cloud part applies against the AWS emulator.
    @Test func planCarriesThePlacement() throws {
        let dir = try TempDir()
        let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/covid19-multicloud.yaml"), encoding: .utf8)
        let spec = try dir.write("covid.yaml", text)
        let emulator = try AWSEmulator()
        let env = try Self.caseStudyCredentials(in: dir, emulator: emulator)

        let plan = try CLI.run(["plan", "-f", spec.path, "--no-color"], in: dir.url, environment: env)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.hasPrefix("Aggregator placement: aws / us-east-2 / t3.medium, 707 KRW per run, 226 ms per round"), "\(plan.stdout.prefix(300))")
        #expect(plan.stdout.contains("  + aggregator.main"))
        let again = try CLI.run(["plan", "-f", spec.path, "--no-color"], in: dir.url, environment: env)
        #expect(again.stdout == plan.stdout)

        let apply = try CLI.run(["apply", "-f", spec.path, "--auto-approve", "--target", "aggregator.main"], in: dir.url, environment: env)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete! Resources: 2 added"), "\(apply.stdout)")

        // Without the credentials, plan refuses (validate only warns).
        let noCreds = try CLI.run(["plan", "-f", spec.path], in: dir.url, environment: ["HOME": "/nonexistent"])
        #expect(noCreds.status == 1)
        #expect(noCreds.stderr.contains("clouds.azure.credentials: environment variables AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_TENANT_ID are not set"))
    }
}
