import Foundation
import Testing
import FedTestSupport

/// A spec that lists no objectives (cost and latency, as before issue 16) prints exactly what
/// fedplane printed before carbon and egress existed: these files were written by the binary of
/// commit 95355d9, the last one without them.
@Suite struct OptimizeGoldenTests {
    static let golden = CLI.repoRoot.appendingPathComponent("Tests/Fixtures/optimize-golden")

    @Test(arguments: [
        ("covid-table.txt", [String]()),
        ("covid.json", ["--json"]),
        ("covid-baseline-9to1.txt", ["--compare-baseline", "--weights", "9:1"]),
    ])
    func twoObjectiveOutputIsByteForByteUnchanged(file: String, arguments: [String]) throws {
        let r = try CLI.run(["optimize", "-f", "specs/covid19-multicloud.yaml"] + arguments, environment: ["HOME": "/nonexistent", "PATH": "/usr/bin:/bin"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == (try String(contentsOf: Self.golden.appendingPathComponent(file), encoding: .utf8)))
    }

    @Test func twoObjectiveChartAndJSONAreUnchanged() async throws { try await offPool { try Self().twoObjectiveChartAndJSONAreUnchangedBody() } }
    func twoObjectiveChartAndJSONAreUnchangedBody() throws {
        let dir = try TempDir()
        let svg = dir.url.appendingPathComponent("front.svg").path
        let r = try CLI.run(["optimize", "-f", "specs/covid19-multicloud.yaml", "--compare-baseline", "--weights", "9:1", "--json", "--svg", svg],
                            environment: ["HOME": "/nonexistent", "PATH": "/usr/bin:/bin"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == (try String(contentsOf: Self.golden.appendingPathComponent("covid-baseline-9to1.json"), encoding: .utf8)))
        #expect(try String(contentsOfFile: svg, encoding: .utf8) == (try String(contentsOf: Self.golden.appendingPathComponent("covid-baseline-9to1.svg"), encoding: .utf8)))
    }
}
