import FedPostgresTestSupport
import Foundation
import Testing
import FedTestSupport

/// The steps of `examples/gitops/.github/workflows/fedplane.yml`, run locally against a real
/// PostgreSQL server with the example's own spec: a git repository, a pull-request branch whose
/// plan is saved, `main` moving on meanwhile → the saved plan is refused and changes nothing; a
/// fresh plan on the merged `main` applies. (Two pipelines at once and a pipeline killed mid-apply:
/// PostgresStateCLITests.)
@Suite struct GitOpsExampleTests {
    static let example = CLI.repoRoot.appendingPathComponent("examples/gitops")

    func git(_ args: [String], in dir: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.org", "-c", "init.defaultBranch=main"] + args
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "git \(args.joined(separator: " ")): \(message)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/git"))) func pullRequestPlanMergeApplyWithAStalePlanRefused() async throws { try await offPool { try Self().pullRequestPlanMergeApplyWithAStalePlanRefusedBody() } }
    func pullRequestPlanMergeApplyWithAStalePlanRefusedBody() throws {
        let url = try PostgresServer.shared().createDatabase()
        let repo = try TempDir()
        let specText = try String(contentsOf: Self.example.appendingPathComponent("federation/fedplane.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "rounds: 10", with: "rounds: 1")
        try FileManager.default.createDirectory(at: repo.url.appendingPathComponent("federation"), withIntermediateDirectories: true)
        let spec = try repo.write("federation/fedplane.yaml", specText)
        let env = ["FEDPLANE_PG_URL": url, "FEDPLANE_NO_COLOR": "1", "FEDPLANE_STATE": ""]
        func fedplane(_ args: [String]) throws -> CLI.Output {
            var e = ProcessInfo.processInfo.environment
            e.merge(env) { _, b in b }
            let o = try CLI.run(args + ["-f", "federation/fedplane.yaml"], in: repo.url, environment: e)
            #expect(!o.stdout.contains(PostgresServer.password) && !o.stderr.contains(PostgresServer.password))
            return o
        }
        func edit(_ from: String, _ to: String) throws {
            let text = try String(contentsOf: spec, encoding: .utf8)
            precondition(text.contains(from))
            try Data(text.replacingOccurrences(of: from, with: to).utf8).write(to: spec)
        }
        try Data(".fedplane/\n*.bin\n*.md\n".utf8).write(to: repo.url.appendingPathComponent(".gitignore"))
        try git(["init", "-q"], in: repo.url)
        try git(["add", "."], in: repo.url)
        try git(["commit", "-qm", "federation"], in: repo.url)
        // The first merge: the federation exists.
        #expect(try fedplane(["validate"]).status == 0)
        let first = try fedplane(["apply", "--auto-approve"])
        try #require(first.status == 0, "\(first.stderr)")

        // A pull request: hospital-a's vm-001 goes inactive; its pipeline saves the plan.
        try git(["checkout", "-qb", "retire-a1"], in: repo.url)
        try edit("  - name: hospital-a\n    cloud: hospital-a\n    location: aws/us-east-1\n    bandwidth: 1Gbps\n    minResources: { vcpu: 2, memoryGiB: 4, diskGiB: 10 }\n    vms:\n      - { id: vm-001, <<: *worker }",
                 "  - name: hospital-a\n    cloud: hospital-a\n    location: aws/us-east-1\n    bandwidth: 1Gbps\n    minResources: { vcpu: 2, memoryGiB: 4, diskGiB: 10 }\n    vms:\n      - { id: vm-001, <<: *worker, state: inactive }")
        try git(["commit", "-qam", "retire hospital-a vm-001"], in: repo.url)
        let plan = try fedplane(["plan", "--out", "plan.bin", "--markdown", "--detailed-exitcode"])
        #expect(plan.status == 2, "\(plan.stderr)")
        #expect(plan.stdout.contains("to change"), "\(plan.stdout)")

        // Meanwhile main moves on: another pull request (hospital-b's vm-001) is merged and applied.
        try git(["checkout", "-q", "main"], in: repo.url)
        try edit("  - name: hospital-b\n    cloud: hospital-b\n    location: aws/eu-west-1\n    bandwidth: 1Gbps\n    minResources: { vcpu: 2, memoryGiB: 4, diskGiB: 10 }\n    vms:\n      - { id: vm-001, <<: *worker }",
                 "  - name: hospital-b\n    cloud: hospital-b\n    location: aws/eu-west-1\n    bandwidth: 1Gbps\n    minResources: { vcpu: 2, memoryGiB: 4, diskGiB: 10 }\n    vms:\n      - { id: vm-001, <<: *worker, state: inactive }")
        try git(["commit", "-qam", "retire hospital-b vm-001"], in: repo.url)
        let other = try fedplane(["apply", "--auto-approve"])
        try #require(other.status == 0, "\(other.stderr)")
        let audited = try fedplane(["audit", "--json"]).stdout

        // The first pull request merges; its saved plan is refused and changes nothing.
        try git(["merge", "-q", "--no-edit", "retire-a1"], in: repo.url)
        let stale = try fedplane(["apply", "plan.bin"])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("plan.bin"), "\(stale.stderr)")
        #expect(try fedplane(["audit", "--json"]).stdout == audited, "a refused plan recorded an apply")

        // Re-running the pipeline on the merged main gives a fresh plan, which applies.
        #expect(try fedplane(["plan", "--out", "plan.bin", "--detailed-exitcode"]).status == 2)
        let applied = try fedplane(["apply", "plan.bin"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(try fedplane(["plan", "--detailed-exitcode"]).status == 0)
    }

    @Test func theWorkflowRunsTheCommandsTheTestRuns() async throws { try await offPool { try Self().theWorkflowRunsTheCommandsTheTestRunsBody() } }
    func theWorkflowRunsTheCommandsTheTestRunsBody() throws {
        let workflow = try String(contentsOf: Self.example.appendingPathComponent(".github/workflows/fedplane.yml"), encoding: .utf8)
        for step in ["fedplane validate -f \"$SPEC\"", "fedplane plan -f \"$SPEC\" --out plan.bin --markdown --detailed-exitcode",
                     "fedplane apply -f \"$SPEC\" plan.bin", "FEDPLANE_PG_URL: ${{ secrets.FEDPLANE_PG_URL }}"] {
            #expect(workflow.contains(step), "the workflow no longer runs \(step)")
        }
        let spec = try String(contentsOf: Self.example.appendingPathComponent("federation/fedplane.yaml"), encoding: .utf8)
        #expect(spec.contains("url: ${env:FEDPLANE_PG_URL}"))
        #expect(try CLI.run(["validate", "-f", Self.example.appendingPathComponent("federation/fedplane.yaml").path]).status == 0)
    }
}
