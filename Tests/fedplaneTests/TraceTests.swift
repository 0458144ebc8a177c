import Foundation
import Testing
import FedTestSupport

/// `FEDPLANE_TRACE=<dir>` (what `fedplane-bench rounds` reads): every process of a real apply —
/// the coordinator, the aggregator, each agent — writes one JSON line per phase with its pid,
/// peak memory and the CPU time it has used so far, which the benchmark sums per round.
@Suite struct TraceTests {
    @Test func everyProcessOfARunTracesItsPhasesWithItsCPUTime() async throws { try await offPool { try Self().body() } }
    func body() throws {
        let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "rounds: 10", with: "rounds: 2")
        let fed = try Federation(text)
        let traceDir = fed.dir.url.appendingPathComponent("trace")
        let apply = try fed.run(["apply", "--auto-approve"], env: ["FEDPLANE_TRACE": traceDir.path])
        #expect(apply.status == 0, "\(apply.stderr)")
        struct Line: Decodable { var role: String; var round: Int; var phase: String; var start: Double; var end: Double; var pid: Int; var rssKiB: Int; var cpuMs: Double }
        var lines: [Line] = []
        for file in try FileManager.default.contentsOfDirectory(at: traceDir, includingPropertiesForKeys: nil) {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                lines.append(try JSONDecoder().decode(Line.self, from: Data(line.utf8)))
            }
        }
        #expect(Set(lines.map(\.role)) == ["coordinator", "aggregator", "agent"], "\(Set(lines.map(\.role)))")
        // Three participants × two rounds, plus the final evaluation pass: an agent process each.
        #expect(Set(lines.filter { $0.role == "agent" }.map(\.pid)).count >= 6)
        for (pid, mine) in Dictionary(grouping: lines, by: \.pid) {
            // Its CPU time so far: never negative, and a process that did a phase used some.
            let cpu = mine.map(\.cpuMs)
            #expect(cpu.allSatisfy { $0 >= 0 } && cpu.max()! > 0, "pid \(pid): \(cpu)")
            #expect(mine.allSatisfy { $0.end >= $0.start && $0.rssKiB > 0 })
        }
        #expect(lines.contains { $0.role == "coordinator" && $0.phase == "round" && $0.round == 2 })
    }
}
