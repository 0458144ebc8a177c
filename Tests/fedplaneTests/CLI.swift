import Foundation
import Testing

/// Runs the built `fedplane` binary as a user would: a real process, real files.
struct CLI {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutData = Data()
    }

    /// What no user may ever see: a raw Foundation error. Every invocation through `run` checks
    /// its output for these, so every error path the suite exercises is scanned.
    static let rawFoundationErrors = ["NSCocoaErrorDomain", "Error Domain=", "NSPOSIXErrorDomain"]

    static func checkNoRawFoundationError(_ o: Output, _ args: [String]) {
        for needle in rawFoundationErrors {
            #expect(!o.stderr.contains(needle) && !o.stdout.contains(needle),
                    "`fedplane \(args.joined(separator: " "))` showed a raw Foundation error: \(o.stderr.prefix(600))")
        }
    }

    /// The binary SwiftPM built next to the test bundle.
    static let binary: URL = {
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("fedplane")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.appendingPathComponent(".build/debug/fedplane")
    }()

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs the binary and waits. With `killAfter`, a process still running after that many
    /// seconds is killed (a hang then fails the test instead of stalling the suite).
    @discardableResult
    static func run(_ args: [String], in directory: URL? = nil, environment: [String: String]? = nil,
                    stdin: Data? = nil, killAfter: Double? = nil) throws -> Output {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = directory ?? repoRoot
        var env = environment ?? ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        let watchdog = killAfter.map { seconds in
            let item = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: item)
            return item
        }
        defer { watchdog?.cancel() }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        let o = Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                       stderr: String(decoding: errData, as: UTF8.self), stdoutData: outData)
        checkNoRawFoundationError(o, args)
        return o
    }
}

/// A scratch directory removed when the test ends.
final class TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ name: String, _ text: String) throws -> URL {
        let f = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: f)
        return f
    }

    func write(_ name: String, bytes: [UInt8]) throws -> URL {
        let f = url.appendingPathComponent(name)
        try Data(bytes).write(to: f)
        return f
    }

    /// Every file below the directory with its size: "nothing written" means this is unchanged.
    func listing() throws -> [String: Int] {
        var out: [String: Int] = [:]
        let e = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey])
        while let f = e?.nextObject() as? URL {
            out[f.path] = (try? f.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? -1
        }
        return out
    }
}
