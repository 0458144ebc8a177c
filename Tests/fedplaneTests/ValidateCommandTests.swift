import Foundation
import Testing

@Suite struct ValidateCommandTests {
    static let quickstart = CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml")

    @Test func exampleSpecsAreValid() throws {
        let specs = try FileManager.default.contentsOfDirectory(atPath: CLI.repoRoot.appendingPathComponent("specs").path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "specs/" + $0 }
        #expect(specs.count >= 2)
        let r = try CLI.run(["validate"] + specs, environment: ["HOME": "/nonexistent", "PATH": "/usr/bin:/bin"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("specs/quickstart.yaml: valid — federation quickstart: 4 clouds, 3 participants, 6 VMs, 10 rounds"))
        #expect(r.stdout.contains("specs/covid19-multicloud.yaml: valid — federation covid19-cxr"))
        // The case study references credentials this machine lacks: warnings, positioned, not errors.
        #expect(r.stderr.contains("specs/covid19-multicloud.yaml:17:18: warning: clouds.aws.credentials: AWS profile \"fl-platform\" is not defined"))
    }

    @Test func errorsAreListedWithPositionsAndExitOne() throws {
        let dir = try TempDir()
        let text = try String(contentsOf: Self.quickstart, encoding: .utf8)
            .replacingOccurrences(of: "clouds: [lab]", with: "clouds: [lba]")
            .replacingOccurrences(of: "rounds: 10", with: "rounds: five")
        let f = try dir.write("bad.yaml", text)
        let r = try CLI.run(["validate", "-f", f.path])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(lines)")
        #expect(lines[0].hasPrefix("\(f.path):23:14: aggregator.candidates.clouds[0]: unknown cloud \"lba\" (did you mean \"lab\"?)"))
        #expect(lines[1] == "\(f.path):59:11: training.rounds: expected a positive integer, got \"five\"")
        #expect(r.stdout.isEmpty)
    }

    @Test func jsonOutputIsAnArrayOfDiagnostics() throws {
        let dir = try TempDir()
        let f = try dir.write("bad.yaml", "apiVersion: fedplane/v1\nkind: Federation\nmetadata: { name: Bad_Name }\n")
        let r = try CLI.run(["validate", "--json", f.path])
        #expect(r.status == 1)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(items.count == 5)
        let name = try #require(items.first { ($0["path"] as? String) == "metadata.name" })
        #expect(name["line"] as? Int == 3 && name["column"] as? Int == 19)
        #expect(name["severity"] as? String == "error")
        #expect((name["message"] as? String)?.hasPrefix("invalid name \"Bad_Name\"") == true)
    }

    @Test func defaultsToFedplaneYamlInTheWorkingDirectory() throws {
        let dir = try TempDir()
        let missing = try CLI.run(["validate"], in: dir.url)
        #expect(missing.status == 1)
        #expect(missing.stderr == "fedplane.yaml: no such file; name a spec with -f PATH (for example -f specs/quickstart.yaml), or write a starter spec here with `fedplane init`\n")
        // Every command that reads the default spec says the same.
        let models = try CLI.run(["models", "list"], in: dir.url)
        #expect(models.status == 1 && models.stderr.contains("name a spec with -f PATH"), "\(models.stderr)")
        _ = try dir.write("fedplane.yaml", try String(contentsOf: Self.quickstart, encoding: .utf8))
        #expect(try CLI.run(["validate"], in: dir.url).status == 0)
    }

    @Test func helpListsTheCommand() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("validate"))
        #expect(try CLI.run(["validate", "--no-such-flag"]).status == 64)
    }
}
