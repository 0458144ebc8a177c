import Foundation
import Testing

/// `fedplane-bench --front-out` writes the fronts it scored so an outside scorer can check them;
/// here the test is that scorer: it recomputes each 2-D hypervolume by its own sweep.
@Suite struct BenchFrontOutTests {
    static let bench = CLI.binary.deletingLastPathComponent().appendingPathComponent("fedplane-bench")

    /// Hypervolume of minimisation points in 2-D against `reference`: sort by f1, sum the slabs.
    static func hypervolume(_ points: [[Double]], reference r: [Double]) -> Double {
        let inside = points.filter { $0[0] < r[0] && $0[1] < r[1] }.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
        var volume = 0.0, ceiling = r[1]
        for p in inside where p[1] < ceiling {
            volume += (r[0] - p[0]) * (ceiling - p[1])
            ceiling = p[1]
        }
        return volume
    }

    @Test func zdt1FrontsAreWrittenAndTheirHypervolumeChecksOut() throws {
        let dir = try TempDir()
        let out = dir.url.appendingPathComponent("fronts.json")
        let p = Process()
        p.executableURL = Self.bench
        p.arguments = ["zdt1", "--runs", "2", "--generations", "60", "--skip-placement", "--front-out", out.path]
        p.currentDirectoryURL = CLI.repoRoot
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        #expect(doc["format"] as? String == "fedplane-bench-fronts" && doc["version"] as? Int == 1)
        let runs = try #require(doc["runs"] as? [[String: Any]])
        #expect(runs.map { $0["seed"] as? Int } == [1, 2])
        for run in runs {
            #expect(run["problem"] as? String == "zdt1" && run["generations"] as? Int == 60)
            let front = try #require(run["front"] as? [[Double]])
            let reference = try #require(run["reference"] as? [Double])
            let reported = try #require(run["hv"] as? Double)
            #expect(!front.isEmpty && reference == [1.1, 1.1])
            // Non-dominated, as scored.
            for a in front {
                #expect(!front.contains { $0 != a && $0[0] <= a[0] && $0[1] <= a[1] })
            }
            #expect(abs(Self.hypervolume(front, reference: reference) - reported) < 1e-9)
            #expect(reported > 0 && reported < 0.8767, "ZDT1's optimum is 1.1 × 1.1 − 1/3 ≈ 0.8767 with this reference point")
        }
        let bad = Process()
        bad.executableURL = Self.bench
        bad.arguments = ["zdt1", "--front-out"]
        bad.standardOutput = FileHandle.nullDevice
        bad.standardError = FileHandle.nullDevice
        try bad.run()
        bad.waitUntilExit()
        #expect(bad.terminationStatus == 1)
    }
}
