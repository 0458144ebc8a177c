import Foundation
import Testing

@testable import FedState

/// A writer killed with SIGKILL in the middle of a stream of commits must leave a state that
/// opens, passes integrity_check, and holds exactly the transactions that committed.
/// The writer is Python's stdlib sqlite3 doing what `StateStore.write` does (one IMMEDIATE
/// transaction: change a row, bump the serial), so the kill can land anywhere in a commit.
@Suite struct CrashSafetyTests {
    static let python = "/usr/bin/python3"

    static let writer = #"""
        import sqlite3, sys
        db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        stamp = "2025-01-01T00:00:00.000Z"
        i = 0
        while True:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO resources (address, type, provider, provider_id, attributes, inputs_hash, created_at, updated_at)"
                " VALUES (?, 'participant', 'local', NULL, ?, 'h', ?, ?)",
                ("crash.%06d" % i, '{"n":%d,"pad":"%s"}' % (i, "x" * 300), stamp, stamp))
            db.execute("UPDATE meta SET serial = serial + 1 WHERE id = 1")
            db.execute("COMMIT")
            i += 1
            print(i, flush=True)
        """#

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: python)))
    func killedWriterLeavesAConsistentState() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            try StateStore.open(path: path, federation: "fed", create: true).close()

            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.python)
            process.arguments = ["-c", Self.writer, path]
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()

            // Wait until the child reports 300 commits, then kill it without warning.
            var acknowledged = 0
            var buffer = Data()
            while acknowledged < 300 {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }  // child died on its own
                buffer.append(chunk)
                let lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n")
                acknowledged = lines.last.flatMap { Int($0) } ?? acknowledged
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            try #require(acknowledged >= 300, "writer failed: \(stderr)")
            #expect(process.terminationReason == .uncaughtSignal)

            // The killed writer left its WAL behind: opening must recover from it, not refuse it.
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            let store = try StateStore.open(path: path, federation: "fed", create: false)
            #expect(try store.integrityCheck() == [])
            let snapshot = try store.snapshot()
            let committed = snapshot.resources.filter { $0.address.hasPrefix("crash.") }.count
            #expect(snapshot.serial == committed)  // each commit landed whole or not at all
            #expect(committed >= acknowledged)  // nothing acknowledged was lost
            // Commits are gap-free: the last visible one is number `committed`.
            #expect(snapshot.resources.last?.address == String(format: "crash.%06d", committed - 1))
        }
    }
}
