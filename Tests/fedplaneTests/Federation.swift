import Foundation

/// A copy of the quick-start spec in a scratch directory, with its state and local resources
/// beside it, driven through the real `fedplane` binary.
final class Federation {
    let dir: TempDir
    let spec: URL

    init(_ specText: String? = nil) throws {
        dir = try TempDir()
        let text = try specText ?? String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)
        spec = try dir.write("quickstart.yaml", text)
    }

    var statePath: String { dir.url.appendingPathComponent(".fedplane/quickstart.db").path }
    var localRoot: URL { dir.url.appendingPathComponent(".fedplane/quickstart") }

    @discardableResult
    func run(_ args: [String], env: [String: String] = [:]) throws -> CLI.Output {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(env) { _, b in b }
        return try CLI.run(args + ["-f", spec.path], in: dir.url, environment: environment)
    }

    /// Starts `fedplane` without waiting for it.
    func start(_ args: [String], env: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = args + ["-f", spec.path]
        p.currentDirectoryURL = dir.url
        var environment = ProcessInfo.processInfo.environment
        environment.merge(env) { _, b in b }
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return (p, out, err)
    }

    func editSpec(_ transform: (String) -> String) throws {
        let text = try String(contentsOf: spec, encoding: .utf8)
        let changed = transform(text)
        precondition(changed != text, "the edit changed nothing")
        try Data(changed.utf8).write(to: spec)
    }

    /// Runs a query on the state file with python3's sqlite3 (an independent client). `mode=rw`:
    /// a plain connect creates a missing file, and an empty file where fedplane is about to
    /// create its state is refused as damaged.
    func sql(_ query: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3,sys,urllib.parse; c=sqlite3.connect('file:'+urllib.parse.quote(sys.argv[1])+'?mode=rw', uri=True, isolation_level=None); print('\\n'.join('|'.join(map(str,r)) for r in c.execute(sys.argv[2])))", statePath, query]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every local resource directory that holds a manifest, as `kind.name` addresses.
    func localResources() -> Set<String> {
        var out = Set<String>()
        for kind in (try? FileManager.default.contentsOfDirectory(atPath: localRoot.path)) ?? [] {
            let kindDir = localRoot.appendingPathComponent(kind)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: kindDir.path)) ?? []
            where FileManager.default.fileExists(atPath: kindDir.appendingPathComponent("\(name)/resource.json").path) {
                out.insert("\(kind).\(name)")
            }
        }
        return out
    }
}
