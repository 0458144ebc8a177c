import Foundation
import Testing

@testable import FedState

@Suite struct CorruptionTests {
    /// Opens the damaged file (with and without `create`), expects the recovery message, and
    /// checks that not one byte changed.
    private func expectRefusedUntouched(_ path: String, create: Bool) throws {
        let bytes = try fileBytes(path)
        let error = #expect(throws: StateStoreError.self) {
            _ = try StateStore.open(path: path, federation: "fed", create: create)
        }
        guard case .corrupted(let reported, _, _, _) = error else {
            Issue.record("expected .corrupted, got \(String(describing: error))")
            return
        }
        #expect(reported == path)
        let message = error?.description ?? ""
        #expect(message.contains("state file \(path) is damaged"))
        #expect(message.contains("restore from \(path).backup with: cp \(path).backup \(path)"))
        #expect(try fileBytes(path) == bytes)
    }

    @Test(arguments: [true, false])
    func garbageBytesAreRefused(create: Bool) throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            var generator = SystemRandomNumberGenerator()
            let garbage = (0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try Data(garbage).write(to: URL(fileURLWithPath: path))
            try expectRefusedUntouched(path, create: create)
        }
    }

    @Test func validHeaderWithGarbageBodyIsRefused() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            try makePopulatedState(at: path, count: 50)
            var bytes = try fileBytes(path)
            // Keep the 100-byte header, scramble everything after it.
            for index in 100..<bytes.count { bytes[index] = UInt8(truncatingIfNeeded: index &* 31) }
            try bytes.write(to: URL(fileURLWithPath: path))
            try expectRefusedUntouched(path, create: true)
        }
    }

    @Test(arguments: [true, false])
    func truncatedStateIsRefused(create: Bool) throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            try makePopulatedState(at: path, count: 300)
            let whole = try fileBytes(path)
            #expect(whole.count > 64 * 1024)
            try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path))
            try expectRefusedUntouched(path, create: create)
        }
    }

    /// Page 1 and the meta table are intact, so the file opens and reads its identity; only a
    /// full page check on open finds the damaged data page before anything is written.
    @Test func damagedDataPageIsFoundOnOpen() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            try makePopulatedState(at: path, count: 300)
            var bytes = try fileBytes(path)
            let pageSize = 4096
            let middle = (bytes.count / pageSize / 2) * pageSize
            bytes.replaceSubrange(middle..<middle + pageSize, with: Data(repeating: 0x5A, count: pageSize))
            try bytes.write(to: URL(fileURLWithPath: path))
            try expectRefusedUntouched(path, create: false)
        }
    }

    @Test(arguments: [true, false])
    func emptiedFileIsNotRecreated(create: Bool) throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            try Data().write(to: URL(fileURLWithPath: path))
            try expectRefusedUntouched(path, create: create)
        }
    }

    @Test func messageMentionsMissingBackupAndStaleSidecars() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: path))
            try Data().write(to: URL(fileURLWithPath: path + "-wal"))
            let error = #expect(throws: StateStoreError.self) {
                _ = try StateStore.open(path: path, federation: "fed", create: false)
            }
            let message = error?.description ?? ""
            #expect(message.contains("no backup exists at \(path).backup"))
            #expect(message.contains("remove the stale \(path)-wal and \(path)-shm"))
        }
    }

    @Test func healthyStatePassesIntegrityCheck() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            try makePopulatedState(at: path, count: 20)
            let store = try StateStore.open(path: path, federation: "fed", create: false)
            #expect(try store.integrityCheck() == [])
        }
    }
}
