import Foundation
import Testing

@testable import FedState

/// The rules every state store must keep (OpenTofu's `statemgr.TestFull` analogue):
/// lineage never changes; the serial never goes back, moves by exactly one per committed
/// change, and stays put for no-op, failed and lock-only operations; a second handle on the
/// same state sees the same thing. `open` must return a handle on one and the same state each
/// time it is called.
func checkStateStoreConformance(
    open: () throws -> any StateBackend, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let store = try open()
    var seen: [StateSnapshot] = [try store.snapshot()]
    func observe(_ expectedSerial: Int, _ what: String) throws {
        let snapshot = try store.snapshot()
        #expect(snapshot.serial == expectedSerial, "serial after \(what)", sourceLocation: sourceLocation)
        seen.append(snapshot)
    }
    let start = seen[0].serial
    #expect(!seen[0].lineage.isEmpty, sourceLocation: sourceLocation)

    try store.write { try $0.putParticipant("conformance") }
    try observe(start + 1, "a real change")
    try store.write { try $0.putParticipant("conformance") }
    try observe(start + 1, "rewriting identical values")
    try store.write { _ in }
    try observe(start + 1, "an empty transaction")

    struct Abort: Error {}
    _ = try? store.write { tx in
        try tx.putParticipant("conformance", revision: 99)
        throw Abort()
    }
    try observe(start + 1, "a failed transaction")
    #expect(seen.last?.resource(at: "participant.conformance")?.inputsHash == "h1", sourceLocation: sourceLocation)

    let lock = try store.lock(operation: "conformance", timeout: .zero)
    try store.write { tx in
        try tx.putParticipant("conformance", revision: 2)
        try tx.setCursor(participant: "conformance", to: 4)
    }
    try store.unlock(lock.id)
    try observe(start + 2, "a locked two-row change")

    let other = try open()
    #expect(try other.snapshot() == seen.last, "a second handle sees the same state", sourceLocation: sourceLocation)
    try other.write { try $0.deleteResource(address: "participant.conformance") }
    try observe(start + 3, "a change through another handle")

    #expect(Set(seen.map(\.lineage)).count == 1, "lineage never changes", sourceLocation: sourceLocation)
    let serials = seen.map(\.serial)
    #expect(serials == serials.sorted(), "serial is monotonic: \(serials)", sourceLocation: sourceLocation)
}

@Suite struct StateConformanceTests {
    @Test func sqliteStoreConforms() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            try checkStateStoreConformance {
                try StateStore.open(path: path, federation: "fed", create: true)
            }
        }
    }

    @Test func migratedStoreConforms() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            do {
                let db = try Database(path: path, mode: .readWriteCreate)
                try db.execute(MigrationTests.version1File)
            }
            try checkStateStoreConformance {
                try StateStore.open(path: path, federation: "fed", create: false)
            }
        }
    }
}
