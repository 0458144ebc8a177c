import Foundation
import Testing
import FedTestSupport

/// What a CI pipeline reads: the Markdown summary of a plan, the same from `plan --markdown` and
/// from the saved plan file, and the `FEDPLANE_*` variables standing in for flags.
@Suite struct PipelineOutputTests {
    @Test func markdownSummaryIsStableAndMatchesTheSavedPlan() async throws { try await offPool { try Self().markdownSummaryIsStableAndMatchesTheSavedPlanBody() } }
    func markdownSummaryIsStableAndMatchesTheSavedPlanBody() throws {
        let f = try Federation()
        let live = try f.run(["plan", "--markdown", "--out", "plan.bin"])
        #expect(live.status == 0, "\(live.stderr)")
        #expect(live.stdout.hasPrefix("### fedplane plan: `quickstart`\n\n**Plan: 18 to add, 0 to change, 0 to replace, 0 to destroy.**\n"), "\(live.stdout)")
        #expect(live.stdout.contains("| lab / local / local | — | — |"))
        #expect(live.stdout.contains("| `+` | `aggregator.main` | add | not in state yet; placement: the only candidate, a local cloud |"))
        #expect(!live.stdout.contains("\u{1B}["), "no colour codes in Markdown")
        let saved = try f.run(["show", "plan.bin", "--markdown"])
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stdout == live.stdout)
        #expect(try f.run(["plan", "--markdown"]).stdout == live.stdout, "the same plan renders the same text")
        let json = try f.run(["show", "plan.bin", "--json"])
        #expect(json.stdout.contains("\"changes_pending\":true"), "\(json.stdout.prefix(300))")

        #expect(try f.run(["apply", "plan.bin"]).status == 0)
        let none = try f.run(["plan", "--markdown"])
        #expect(none.stdout.contains("**No changes.** The federation matches the spec."), "\(none.stdout)")
    }

    @Test func environmentVariablesStandInForFlags() async throws { try await offPool { try Self().environmentVariablesStandInForFlagsBody() } }
    func environmentVariablesStandInForFlagsBody() throws {
        let f = try Federation()
        let elsewhere = f.dir.url.appendingPathComponent("states/shared.db").path
        #expect(try f.run(["plan", "--out", "plan.bin"], env: ["FEDPLANE_STATE": elsewhere]).status == 0)
        #expect(try f.run(["apply", "plan.bin"], env: ["FEDPLANE_STATE": elsewhere]).status == 0)
        #expect(FileManager.default.fileExists(atPath: elsewhere))
        #expect(!FileManager.default.fileExists(atPath: f.statePath))
        let bad = try f.run(["apply", "--auto-approve"], env: ["FEDPLANE_STATE": elsewhere, "FEDPLANE_LOCK_TIMEOUT": "soon"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("FEDPLANE_LOCK_TIMEOUT"), "\(bad.stderr)")
    }
}
