import Testing
@testable import FedSpec

@Suite struct YAMLParserTests {
    func parse(_ text: String, limits: YAMLParser.Limits = .init()) -> (YAMLNode?, [YAMLError]) {
        let r = YAMLParser(limits: limits).parse(Array(text.utf8))
        return (r.root, r.errors)
    }

    func pairs(_ node: YAMLNode?) -> [(String, YAMLNode)] {
        guard case .mapping(let p)? = node?.kind else { return [] }
        return p.map { ($0.key.scalar ?? "", $0.value) }
    }

    @Test func blockAndFlowStylesKeepPositions() throws {
        let m = MarkedText("""
        # a comment
        1️⃣name: demo   # trailing comment
        list:
          - 2️⃣one
          - 3️⃣"two"
        flow: 4️⃣{ a: 1, b: [x, 5️⃣'y'] }
        """)
        let (root, errors) = parse(m.text)
        #expect(errors.isEmpty)
        let top = pairs(root)
        #expect(top.map(\.0) == ["name", "list", "flow"])
        #expect(top[0].1.scalar == "demo")
        guard case .sequence(let items) = top[1].1.kind else { Issue.record("list"); return }
        #expect(items[0].mark == m["2️⃣"])
        #expect(items[1].mark == m["3️⃣"])
        guard case .scalar("two", .doubleQuoted) = items[1].kind else { Issue.record("quoted"); return }
        #expect(top[2].1.mark == m["4️⃣"])
        let flow = pairs(top[2].1)
        guard case .sequence(let inner) = flow[1].1.kind else { Issue.record("inner"); return }
        #expect(inner[1].mark == m["5️⃣"])
        guard case .scalar("y", .singleQuoted) = inner[1].kind else { Issue.record("single"); return }
        #expect(pairs(root).first.map { _ in root!.mark } == m["1️⃣"])
    }

    @Test func aliasesShareTheAnchoredNode() {
        let (root, errors) = parse("""
        base: &b { vcpu: 2 }
        copy: *b
        """)
        #expect(errors.isEmpty)
        let top = pairs(root)
        #expect(top[0].1 === top[1].1)
    }

    @Test func duplicateKeysAreAllReported() {
        let m = MarkedText("""
        a: 1
        b: 2
        1️⃣a: 3
        nested:
          x: 1
          2️⃣x: 2
        """)
        let (_, errors) = parse(m.text)
        #expect(errors.map(\.mark) == [m["1️⃣"], m["2️⃣"]])
        #expect(errors[0].message == "duplicate key \"a\" (first defined at line 1, column 1)")
    }

    @Test func duplicateKeysInLargeMappingsAreFound() {
        // Past 16 keys the builder switches from scanning to a dictionary; both must agree.
        var lines = (0..<40).map { "k\($0): \($0)" }
        lines[30] = "k3: dup"
        lines[35] = "k25: dup"
        lines[12] = "k1: dup"
        let (_, errors) = parse(lines.joined(separator: "\n"))
        #expect(errors.map(\.mark?.line) == [13, 31, 36])
        #expect(errors.map(\.message) == ["duplicate key \"k1\" (first defined at line 2, column 1)",
                                          "duplicate key \"k3\" (first defined at line 4, column 1)",
                                          "duplicate key \"k25\" (first defined at line 26, column 1)"])
    }

    @Test func multipleDocumentsAreRefused() {
        let (root, errors) = parse("a: 1\n---\nb: 2\n")
        #expect(root == nil)
        #expect(errors.first?.mark == SourceMark(line: 2, column: 1))
        #expect(errors.first?.message.contains("exactly one document") == true)
    }

    @Test func emptyAndBlankFilesAreRefused() {
        for text in ["", "   \n\n  \n"] {
            let (root, errors) = parse(text)
            #expect(root == nil)
            #expect(errors.first?.message.hasPrefix("the file is empty") == true)
        }
        let (root, errors) = parse("# only a comment\n")
        #expect(root == nil)
        #expect(errors.first?.message.contains("no YAML document") == true)
    }

    @Test func invalidUTF8IsPositioned() {
        var bytes = Array("a: 1\nname: caf".utf8)
        bytes.append(0xE9)
        bytes += Array("\n".utf8)
        let r = YAMLParser().parse(bytes)
        #expect(r.root == nil)
        #expect(r.errors.first?.mark == SourceMark(line: 2, column: 10))
        #expect(r.errors.first?.message.hasPrefix("invalid UTF-8 (byte 0xE9") == true)
    }

    @Test func overlongAndSurrogateEncodingsAreInvalid() {
        for bad: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            #expect(YAMLParser.utf8SequenceLength(bad, at: 0) == 0, "\(bad)")
        }
        #expect(YAMLParser.utf8SequenceLength(Array("€".utf8), at: 0) == 3)
        #expect(YAMLParser.utf8SequenceLength(Array("😀".utf8), at: 0) == 4)
    }

    @Test func binaryContentIsRefused() {
        let r = YAMLParser().parse([0x61, 0x3A, 0x20, 0x00, 0x01])
        #expect(r.root == nil)
        #expect(r.errors.first?.message.contains("binary file") == true)
    }

    @Test func tabIndentationGivesLibyamlsMessageWithPosition() {
        let (root, errors) = parse("a:\n\tb: 1\n")
        #expect(root == nil)
        #expect(errors.first?.mark == SourceMark(line: 2, column: 1))
        #expect(errors.first?.message.contains("found character that cannot start any token") == true)
        #expect(errors.first?.message.contains("tab") == true)
    }

    @Test func deepNestingStopsAtTheLimitWithoutRecursion() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let (root, errors) = parse(text)
        #expect(root == nil)
        #expect(errors.first?.mark == SourceMark(line: 1, column: 257))
        #expect(errors.first?.message.contains("nesting deeper than 256") == true)
    }

    @Test func aliasBombIsRefused() {
        var lines = ["a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
        let names = Array("abcdefghi")
        for i in 1..<names.count {
            let prev = names[i - 1]
            lines.append("\(names[i]): &\(names[i]) [" + Array(repeating: "*\(prev)", count: 9).joined(separator: ",") + "]")
        }
        let (root, errors) = parse(lines.joined(separator: "\n"))
        #expect(root == nil)
        #expect(errors.first?.message.contains("alias bomb") == true)
        #expect(errors.first?.mark != nil)
    }

    @Test func undefinedAliasIsAnError() {
        let (_, errors) = parse("a: *nope\n")
        #expect(!errors.isEmpty)
    }

    @Test func sizeLimitIsChecked() {
        var limits = YAMLParser.Limits()
        limits.maxBytes = 100
        let (root, errors) = parse(String(repeating: "a: 1\n", count: 30), limits: limits)
        #expect(root == nil)
        #expect(errors.first?.message.contains("at most 100 bytes") == true)
    }
}
