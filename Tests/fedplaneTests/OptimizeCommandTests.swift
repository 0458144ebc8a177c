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

    /// The plan carries the optimizer's placement, keeps it across plans, and apply stops before
    /// touching anything because no aws provider exists yet.
    @Test func planCarriesThePlacement() throws {
        let dir = try TempDir()
        let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/covid19-multicloud.yaml"), encoding: .utf8)
        let spec = try dir.write("covid.yaml", text)
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("credentials"), withIntermediateDirectories: true)
        _ = try dir.write("credentials/gcp-sa.json", "{}")
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("home/.aws"), withIntermediateDirectories: true)
        _ = try dir.write("home/.aws/credentials", "[fl-platform]\n")
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = dir.url.appendingPathComponent("home").path
        for v in ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"] { env[v] = "set" }

        let plan = try CLI.run(["plan", "-f", spec.path, "--no-color"], in: dir.url, environment: env)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.hasPrefix("Aggregator placement: aws / us-east-2 / t3.medium, 707 KRW per run, 226 ms per round"), "\(plan.stdout.prefix(300))")
        #expect(plan.stdout.contains("  + aggregator.main"))
        #expect(plan.stderr.contains("warning: clouds.aws: the aws provider is not available"))
        let again = try CLI.run(["plan", "-f", spec.path, "--no-color"], in: dir.url, environment: env)
        #expect(again.stdout == plan.stdout)

        let apply = try CLI.run(["apply", "-f", spec.path, "--auto-approve"], in: dir.url, environment: env)
        #expect(apply.status == 1)
        #expect(apply.stderr.contains("clouds.aws: the aws provider is not available in this fedplane yet"))
        #expect(!apply.stdout.contains("Apply complete"))

        // Without the credentials, plan refuses (validate only warns).
        let noCreds = try CLI.run(["plan", "-f", spec.path], in: dir.url, environment: ["HOME": "/nonexistent"])
        #expect(noCreds.status == 1)
        #expect(noCreds.stderr.contains("clouds.azure.credentials: environment variables AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_TENANT_ID are not set"))
    }
}
