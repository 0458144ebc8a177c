import Foundation
import Testing
@testable import FedSpec

/// The bounded reader every referenced file goes through, and the terminal escaping of
/// diagnostics, on real files, FIFOs, devices and procfs.
@Suite struct ReferencedFileReaderTests {
    final class Scratch {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fedspec-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    }

    @Test func readsARegularFileWhole() throws {
        let s = try Scratch()
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: s.path("a")))
        #expect(try ReferencedFile.read(s.path("a"), kind: .catalog) == Array("hello\n".utf8))
        #expect(try ReferencedFile.read(s.path("a"), kind: .model, prefix: 3) == Array("hel".utf8))
        #expect(try ReferencedFile.check(s.path("a"), kind: .catalog) == 6)
    }

    @Test func refusesFIFOsDevicesAndDirectoriesWithoutBlocking() throws {
        let s = try Scratch()
        #expect(mkfifo(s.path("fifo"), 0o644) == 0)
        #expect(throws: ReferencedFileError(path: s.path("fifo"), reason: "is a FIFO (named pipe), not a regular file; a model file must be a regular file")) {
            try ReferencedFile.read(s.path("fifo"), kind: .model)
        }
        #expect(throws: ReferencedFileError(path: "/dev/zero", reason: "is a character device, not a regular file; a credentials file must be a regular file")) {
            try ReferencedFile.read("/dev/zero", kind: .credentials)
        }
        #expect(throws: ReferencedFileError(path: s.url.path, reason: "is a directory, not a regular file; a spec must be a regular file")) {
            try ReferencedFile.read(s.url.path, kind: .spec)
        }
        #expect(throws: ReferencedFileError(path: s.path("missing"), reason: "no such file")) {
            try ReferencedFile.read(s.path("missing"), kind: .spec)
        }
    }

    @Test func refusesAFileOverTheLimitBeforeReadingIt() throws {
        let s = try Scratch()
        #expect(FileManager.default.createFile(atPath: s.path("big"), contents: nil))
        #expect(truncate(s.path("big"), 3 << 30) == 0)
        #expect(throws: ReferencedFileError(path: s.path("big"), reason: "the file is 3 GiB; a model file may be at most 1 GiB")) {
            try ReferencedFile.read(s.path("big"), kind: .model)
        }
        #expect(throws: ReferencedFileError(path: s.path("big"), reason: "the file is 3 GiB; a spec may be at most 10 bytes")) {
            try ReferencedFile.check(s.path("big"), kind: .spec, limit: 10)
        }
    }

    @Test func readsFilesThatReportSizeZero() throws {
        // procfs reports 0 bytes; the reader reads to the end, within the limit.
        let status = try ReferencedFile.read("/proc/self/status", kind: .credentials)
        #expect(String(decoding: status, as: UTF8.self).hasPrefix("Name:"))
        #expect(throws: ReferencedFileError.self) { try ReferencedFile.read("/proc/self/status", kind: .credentials, limit: 8) }
    }

    @Test func modelCheckKnowsSafetensorsFromOtherFiles() throws {
        let s = try Scratch()
        let header = Array(#"{"__metadata__":{}}"#.utf8)
        let length = UInt64(header.count)
        let bytes = (0..<8).map { UInt8((length >> (8 * UInt64($0))) & 0xFF) } + header
        try Data(bytes).write(to: URL(fileURLWithPath: s.path("m.safetensors")))
        #expect(ModelFileCheck.problem(s.path("m.safetensors")) == nil)
        try Data("root:x:0:0:root:/root:/bin/bash\n".utf8).write(to: URL(fileURLWithPath: s.path("passwd")))
        let problem = try #require(ModelFileCheck.problem(s.path("passwd")))
        #expect(problem.contains("is not a safetensors file") && !problem.contains("root:x"))
        #expect(ModelFileCheck.problem(s.path("none")) == "the initial model \(s.path("none")) does not exist")
    }
}

@Suite struct TerminalTextTests {
    @Test func escapesControlAndBidiCharactersOnly() {
        #expect(TerminalText.escape("plain ünïcödé – ok") == "plain ünïcödé – ok")
        #expect(TerminalText.escape("a\nb\u{1B}[31mc\u{0}d\u{202E}e\u{7F}\t") == #"a\nb\u{1B}[31mc\0d\u{202E}e\u{7F}\t"#)
        #expect(TerminalText.escape("two\nlines\u{1B}", keepNewlines: true) == "two\nlines\\u{1B}")
    }

    @Test func renderedDiagnosticsAreOneLine() {
        let d = Diagnostic(.error, file: "spec.yaml", mark: SourceMark(line: 3, column: 9), path: "metadata.name",
                           message: "invalid name \"a\nb\u{202E}\"")
        #expect(d.rendered == #"spec.yaml:3:9: metadata.name: invalid name "a\nb\u{202E}""#)
        #expect(d.message.contains("\n"), "the value itself stays exact (JSON output encodes it)")
    }
}
