import Foundation
import Testing

/// `fedplane-bench hierarchy --gate-only` on the real 30-participant problem: the bench exports it,
/// and `Benchmarks/pymoo_hierarchy.py`'s Python objective function must agree with Swift's before
/// any comparison with pymoo is printed; a script whose function differs is refused.
@Suite struct HierarchyPymooBenchTests {
    static let bench = CLI.binary.deletingLastPathComponent().appendingPathComponent("fedplane-bench")

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = bench
        p.arguments = ["hierarchy", "--objectives", "cost,latency,carbon"] + arguments
        p.currentDirectoryURL = CLI.repoRoot
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let hasPython: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import json, argparse"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test(.enabled(if: hasPython, "python3 is needed"))
    func theExportedProblemEvaluatesTheSameInPythonAndADifferentFunctionIsRefused() throws {
        let dir = try TempDir()
        let exported = dir.url.appendingPathComponent("h.json")
        let export = try Self.run(["--export", exported.path])
        #expect(export.status == 0, "\(export.output)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: exported)) as? [String: Any])
        #expect(doc["format"] as? String == "fedplane-hierarchy-instance" && doc["version"] as? Int == 1)
        #expect((doc["participantClouds"] as? [Int])?.count == 30 && (doc["genes"] as? [Any])?.count == 34)
        #expect(doc["objectives"] as? [String] == ["cost", "latency", "carbon"])

        let same = try Self.run(["--gate-only"])
        #expect(same.status == 0 && same.output.contains("300 random gene vectors evaluate to the same objectives"), "\(same.output)")

        // The same script with one term changed by a millionth: the gate must notice.
        let script = try String(contentsOf: CLI.repoRoot.appendingPathComponent("Benchmarks/pymoo_hierarchy.py"), encoding: .utf8)
        let term = "latency = max(latency, self.pms[p][global_site])"
        try #require(script.contains(term))
        let broken = dir.url.appendingPathComponent("broken.py")
        try script.replacingOccurrences(of: term, with: "latency = max(latency, self.pms[p][global_site] * 1.000001)")
            .write(to: broken, atomically: true, encoding: .utf8)
        let refused = try Self.run(["--gate-only", "--script", broken.path])
        #expect(refused.status == 1 && refused.output.contains("comparison refused"), "\(refused.output)")
    }
}
