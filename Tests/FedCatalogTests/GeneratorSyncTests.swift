import Foundation
import Testing

/// BundledCatalogData.swift must be what catalog/generate.py makes of catalog/data today.
@Suite struct GeneratorSyncTests {
    static let script = SourceData.repoRoot.appendingPathComponent("catalog/generate.py")
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: python != nil && FileManager.default.fileExists(atPath: script.path), "needs python3 and catalog/generate.py"))
    func generatedSwiftIsUpToDate() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python!)
        process.arguments = [Self.script.path, "--check"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
    }
}
