import Foundation
import Testing

/// The JSON Schema and `fedplane validate` agree: every example spec passes both, and the table of
/// invalid specs in Tests/Fixtures/invalid is rejected by fedplane and, where JSON Schema can
/// express the rule, by the schema too (checked by python3 `jsonschema`, installed by .ci/run).
@Suite struct SchemaTests {
    static let fixtures: [String] = {
        let dir = CLI.repoRoot.appendingPathComponent("Tests/Fixtures/invalid")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test func schemaAcceptsExamplesAndRejectsWhatItCanExpress() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", CLI.repoRoot.appendingPathComponent("Tests/Fixtures/check_schema.py").path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
        let examples = try FileManager.default.contentsOfDirectory(atPath: CLI.repoRoot.appendingPathComponent("specs").path).filter { $0.hasSuffix(".yaml") }.count
        #expect(text.contains("\(Self.fixtures.count + examples) passed, 0 failed"), "\(text)")
    }

    @Test(arguments: fixtures)
    func fedplaneRejectsInvalidFixture(_ name: String) throws {
        let path = "Tests/Fixtures/invalid/\(name)"
        let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent(path), encoding: .utf8)
        let expect = try #require(text.split(separator: "\n").first { $0.hasPrefix("# expect: ") }?.dropFirst(10))
        let r = try CLI.run(["validate", "-f", path])
        #expect(r.status == 1)
        let errors = r.stderr.split(separator: "\n").filter { !$0.contains(": warning: ") }
        #expect(errors.contains { $0.hasPrefix("\(path):") && $0.contains(expect) }, "\(r.stderr)")
    }

    @Test func thereAreEnoughFixtures() {
        #expect(Self.fixtures.count >= 20)
    }
}
