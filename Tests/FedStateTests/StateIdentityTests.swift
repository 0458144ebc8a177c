import Foundation
import Testing

@testable import FedState

@Suite struct StateIdentityTests {
    @Test func createThenReopenKeepsLineageAndData() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            let first = try StateStore.open(path: path, federation: "fed", create: true)
            #expect(UUID(uuidString: first.lineage) != nil)
            try first.write { try $0.putParticipant("a") }
            let before = try first.snapshot()
            first.close()

            let again = try StateStore.open(path: path, federation: "fed", create: false)
            let after = try again.snapshot()
            #expect(again.lineage == first.lineage)
            #expect(after == before)
            #expect(after.serial == 1)
            #expect(after.resources.map(\.address) == ["participant.a"])
        }
    }

    @Test func twoFilesHaveDifferentLineages() throws {
        try withTemporaryDirectory { dir in
            let a = try StateStore.open(path: dir.path("a.db"), federation: "fed", create: true)
            let b = try StateStore.open(path: dir.path("b.db"), federation: "fed", create: true)
            #expect(a.lineage != b.lineage)
        }
    }

    /// A new state appears whole: a reader (or a crash) between SQLite creating the file and
    /// the schema's commit would otherwise find a 0-byte file, which `open` refuses as damaged.
    @Test func aNewStateNeverExistsEmpty() throws {
        try withTemporaryDirectory { dir in
            let paths = (0..<40).map { dir.path("s\($0).db") }
            let done = Atomic(false)
            let emptySeen = Atomic(false)
            let watcher = Thread {
                while !done.value {
                    for p in paths {
                        var st = stat()
                        if stat(p, &st) == 0, st.st_size == 0 { emptySeen.value = true }
                    }
                }
            }
            watcher.start()
            for p in paths { try StateStore.open(path: p, federation: "fed", create: true).close() }
            done.value = true
            while !watcher.isFinished { usleep(1000) }
            #expect(!emptySeen.value, "a state file was visible with 0 bytes while being created")
            // Only the states themselves are left: no temporary files beside them.
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { !$0.hasSuffix(".db") }
            #expect(left.isEmpty, "\(left)")
            // Created private, like before.
            #expect(PrivateFiles.mode(paths[0]) == 0o600)
        }
    }

    /// Processes that find no state and create it at once all open the one that was made first.
    @Test func concurrentCreatorsOfANewStateShareOneLineage() throws {
        try withTemporaryDirectory { dir in
            for attempt in 0..<12 {
                let path = dir.path("state-\(attempt).db")
                let lineages = Atomic<[String]>([])
                let group = DispatchGroup()
                for _ in 0..<4 {
                    DispatchQueue.global().async(group: group) {
                        do {
                            let store = try StateStore.open(path: path, federation: "fed", create: true)
                            lineages.mutate { $0.append(store.lineage) }
                            store.close()
                        } catch {
                            lineages.mutate { $0.append("error: \(error)") }
                        }
                    }
                }
                group.wait()
                #expect(lineages.value.count == 4 && Set(lineages.value).count == 1, "\(lineages.value)")
                let reopened = try StateStore.open(path: path, federation: "fed", create: false)
                #expect("\(reopened.lineage)" == lineages.value.first)
                reopened.close()
            }
        }
    }

    @Test func serialBumpsOnlyOnRealChange() throws {
        try withTemporaryDirectory { dir in
            let store = try StateStore.open(path: dir.path("state.db"), federation: "fed", create: true)
            #expect(try store.serial() == 0)

            let changed = try store.write { try $0.putParticipant("a") }
            #expect(changed)
            #expect(try store.serial() == 1)

            // The same values again: no row changes, so no new serial.
            let unchanged = try store.write { try $0.putParticipant("a") }
            #expect(!unchanged)
            #expect(try store.serial() == 1)
            try store.write { _ in }
            #expect(try store.serial() == 1)

            // Several changes in one transaction: one bump.
            try store.write { tx in
                try tx.putParticipant("a", revision: 2)
                try tx.putParticipant("b")
                try tx.setAssignment(participant: "a", vmID: "vm-1", reason: "first active VM")
                try tx.setCursor(participant: "a", to: 1)
            }
            #expect(try store.serial() == 2)

            try store.write { tx in
                try tx.setAssignment(participant: "a", vmID: "vm-1", reason: "first active VM")
                try tx.setCursor(participant: "a", to: 1)
                try tx.deleteResource(address: "participant.nope")
            }
            #expect(try store.serial() == 2)
        }
    }

    @Test func updateKeepsCreatedAndMovesUpdated() throws {
        try withTemporaryDirectory { dir in
            let clock = TestClock(fixedDate)
            let store = try StateStore.open(
                path: dir.path("state.db"), federation: "fed", create: true, clock: clock.now)
            try store.write { try $0.putParticipant("a") }
            clock.advance(60)
            try store.write { try $0.putParticipant("a") }  // no change: updated stays
            #expect(try store.snapshot().resources[0].updated == fixedDate)
            try store.write { try $0.putParticipant("a", revision: 2) }
            let resource = try #require(try store.snapshot().resource(at: "participant.a"))
            #expect(resource.created == fixedDate)
            #expect(resource.updated == fixedDate.addingTimeInterval(60))
            #expect(resource.inputsHash == "h2")
        }
    }

    @Test func federationMismatchIsRefused() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            try makePopulatedState(at: path, count: 3)
            let bytes = try fileBytes(path)
            let error = #expect(throws: StateStoreError.self) {
                _ = try StateStore.open(path: path, federation: "renamed", create: true)
            }
            #expect(error == .federationMismatch(path: path, recorded: "fed", requested: "renamed"))
            #expect(error?.description.contains(#"belongs to federation "fed", but the spec names "renamed""#) == true)
            #expect(try fileBytes(path) == bytes)
        }
    }

    @Test func missingFileWithoutCreateIsRefused() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("absent.db")
            #expect(throws: StateStoreError.missing(path: path)) {
                _ = try StateStore.open(path: path, federation: "fed", create: false)
            }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func foreignSQLiteFileIsNotAState() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("other.db")
            do {
                let db = try Database(path: path, mode: .readWriteCreate)
                try db.execute("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
            }
            let bytes = try fileBytes(path)
            #expect(throws: StateStoreError.notAState(path: path)) {
                _ = try StateStore.open(path: path, federation: "fed", create: true)
            }
            #expect(try fileBytes(path) == bytes)
        }
    }

    @Test func invalidAttributesAreRejectedAndRolledBack() throws {
        try withTemporaryDirectory { dir in
            let store = try StateStore.open(path: dir.path("state.db"), federation: "fed", create: true)
            let error = #expect(throws: DatabaseError.self) {
                try store.write { tx in
                    try tx.putParticipant("a")
                    try tx.upsertResource(
                        address: "x", type: "t", provider: "local", providerID: nil, attributes: "{not json",
                        inputsHash: "h")
                }
            }
            #expect(error?.message.contains("CHECK constraint failed") == true)
            #expect(error?.operation.contains("INSERT INTO resources") == true)
            let snapshot = try store.snapshot()
            #expect(snapshot.serial == 0)
            #expect(snapshot.resources.isEmpty)
        }
    }
}

/// A settable clock shared with the store (the store only calls `now`).
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: @Sendable () -> Date { { [self] in lock.withLock { current } } }

    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}
