import Foundation
import Testing

/// Each bad input: a clear, positioned error, exit 1, no crash, nothing written.
@Suite struct BadInputTests {
    static let quickstart = try! String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)

    static func aliasBomb() -> String {
        var lines = ["a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
        let names = Array("abcdefghi")
        for i in 1..<names.count {
            lines.append("\(names[i]): &\(names[i]) [" + Array(repeating: "*\(names[i - 1])", count: 9).joined(separator: ",") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func tenMegabytes() -> [UInt8] {
        var s = "apiVersion: fedplane/v1\nkind: Federation\nmetadata: { name: big }\nx-padding:\n"
        let line = "  - " + String(repeating: "p", count: 95) + "\n"
        s.reserveCapacity(10_500_000)
        while s.utf8.count < 10_000_000 { s += line }
        return Array(s.utf8)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: @Sendable () -> [UInt8]
        /// Text the error line must contain after `file:`; the position is part of it where there is one.
        let expect: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty file", bytes: { [] }, expect: ": the file is empty"),
        Case(name: "binary file", bytes: { [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00] },
             expect: ":1:8: the file contains a NUL byte; this looks like a binary file"),
        Case(name: "binary, not UTF-8", bytes: { [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A] },
             expect: ":1:1: invalid UTF-8 (byte 0x89 at offset 0)"),
        Case(name: "NUL bytes", bytes: { Array("a: b\n".utf8) + [0, 0, 0] }, expect: ":2:1: the file contains a NUL byte"),
        Case(name: "invalid UTF-8", bytes: { Array("apiVersion: fedplane/v1\nkind: Fed".utf8) + [0xFF] + Array("\n".utf8) },
             expect: ":2:10: invalid UTF-8 (byte 0xFF at offset 33)"),
        Case(name: "10 MB spec", bytes: tenMegabytes, expect: ": the file is 9.5 MiB; a spec may be at most 8 MiB"),
        Case(name: "10,000 nested sequences", bytes: { Array((String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)).utf8) },
             expect: ":1:257: nesting deeper than 256 levels"),
        Case(name: "billion laughs", bytes: { Array(aliasBomb().utf8) }, expect: ":7:8: aliases expand to more than 1000000 nodes at *f"),
        Case(name: "duplicate keys", bytes: { Array(quickstart.replacingOccurrences(of: "  name: quickstart\n", with: "  name: quickstart\n  name: other\n").utf8) },
             expect: ":9:3: duplicate key \"name\" (first defined at line 8, column 3)"),
        Case(name: "inline secret", bytes: { Array(quickstart.replacingOccurrences(of: "lab:        { provider: local }", with: "lab: { provider: aws, credentials: { secretAccessKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY } }").utf8) },
             expect: ":16:40: clouds.lab.credentials.secretAccessKey: inline secret"),
        Case(name: "undefined cloud", bytes: { Array(quickstart.replacingOccurrences(of: "cloud: hospital-b", with: "cloud: hospital-d").utf8) },
             expect: ":40:12: participants[1].cloud: unknown cloud \"hospital-d\" (did you mean \"hospital-a\"?)"),
        Case(name: "tab indentation", bytes: { Array(quickstart.replacingOccurrences(of: "  name: quickstart", with: "\tname: quickstart").utf8) },
             expect: ":8:1: found character that cannot start any token"),
        Case(name: "two documents", bytes: { Array((quickstart + "---\na: 1\n").utf8) }, expect: ":69:1: a second YAML document starts here"),
    ]

    @Test(arguments: cases)
    func badInput(_ c: Case) throws {
        let dir = try TempDir()
        let f = try dir.write("spec.yaml", bytes: c.bytes())
        let before = try dir.listing()
        let r = try CLI.run(["validate", "-f", f.path], in: dir.url)
        #expect(r.status == 1, "\(c.name): \(r.stderr)")
        #expect(r.stderr.hasPrefix(f.path + c.expect), "\(c.name): \(r.stderr.prefix(400))")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
        #expect(try dir.listing() == before, "\(c.name) wrote files")
        #expect(!r.stderr.contains("wJalr"), "secret echoed")
    }

    @Test func missingCredentialsFileIsAPositionedWarningInValidate() throws {
        let dir = try TempDir()
        let text = Self.quickstart.replacingOccurrences(
            of: "lab:        { provider: local }",
            with: "lab: { provider: gcp, credentials: { file: ./missing-sa.json } }")
        let f = try dir.write("spec.yaml", text)
        let r = try CLI.run(["validate", "-f", f.path], in: dir.url)
        #expect(r.status == 0)
        #expect(r.stderr == "\(f.path):16:38: warning: clouds.lab.credentials: credentials file ./missing-sa.json does not exist\n")
    }
}
