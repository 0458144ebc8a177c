import FedPostgresTestSupport
import Foundation
import Testing

@testable import FedState
import FedTestSupport

/// `state migrate`: SQLite → PostgreSQL → SQLite keeps every row, value and the identity, and
/// never changes the source.
@Suite struct StateCopyTests {
    func populate(_ store: any StateBackend) throws {
        try store.write { tx in
            for name in ["a", "b", "c"] { try tx.putParticipant(name) }
            try tx.setAssignment(participant: "a", vmID: "vm-1", reason: "spread")
            try tx.setCursor(participant: "a", to: 2)
            try tx.journalStart(applyID: "x", step: 0, address: "participant.a", action: "create")
            try tx.operationStart(applyID: "x", operation: "apply", owner: store.owner, planChecksum: "k", planSummary: "3 to add")
            try tx.recordRun(RunRecord(run: 1, configHash: "c", status: .succeeded, started: fixedDate, finished: fixedDate))
            // Values a text round trip would bend: many digits, tiny, NULL.
            try tx.recordRound(RoundRecord(run: 1, round: 1, participants: 3, loss: 0.1 + 0.2, accuracy: 1e-300, precision: nil,
                                           recall: 2.0 / 3.0, f1: nil, durationSeconds: 1.25, committed: fixedDate, aggregation: "median"))
            try tx.recordModel(ModelRecord(id: String(repeating: "0f", count: 32), run: 1, round: 1, configHash: "c",
                                           sizeBytes: 1 << 40, metrics: #"{"loss":0.30000000000000004}"#, created: fixedDate))
        }
        try store.write { try $0.journalFinish(applyID: "x", step: 0, outcome: .failed(error: "boom \u{1F4A5} 'quoted'")) }
    }

    @Test func sqliteToPostgresAndBack() async throws { try await offPool { try Self().sqliteToPostgresAndBackBody() } }
    func sqliteToPostgresAndBackBody() throws {
        let url = try #require(PostgresURL(try PostgresServer.shared().createDatabase()))
        try withTemporaryDirectory { dir in
            let original = dir.path("original.db")
            let store = try StateStore.open(path: original, federation: "fed", create: true, clock: { fixedDate })
            try populate(store)
            let before = try StateCopy.verify(store)
            store.close()
            let bytes = try fileBytes(original)

            let there = try StateCopy.copy(federation: "fed", from: .sqlite(path: original), to: .postgres(url))
            #expect(there == before)
            #expect(there.rows.first { $0.table == "resources" }?.count == 3)
            #expect(try fileBytes(original) == bytes, "the source was changed")

            let back = try StateCopy.copy(federation: "fed", from: .postgres(url), to: .sqlite(path: dir.path("back.db")))
            #expect(back == before)
            let reopened = try StateStore.open(path: dir.path("back.db"), federation: "fed", create: false)
            #expect(reopened.lineage == before.lineage)
            #expect(try reopened.rounds(run: 1).first?.loss == 0.1 + 0.2)
            #expect(try reopened.journal(applyID: "x").first?.error == "boom \u{1F4A5} 'quoted'")

            // Never into a destination that already holds the federation.
            #expect(throws: StateCopy.Failure.self) {
                try StateCopy.copy(federation: "fed", from: .sqlite(path: original), to: .postgres(url))
            }
        }
    }

    @Test func aLockedSourceIsNotCopied() async throws { try await offPool { try Self().aLockedSourceIsNotCopiedBody() } }
    func aLockedSourceIsNotCopiedBody() throws {
        let url = try #require(PostgresURL(try PostgresServer.shared().createDatabase()))
        let store = try PostgresStateStore.open(url: url, federation: "fed", create: true)
        let lock = try store.lock(operation: "apply")
        try withTemporaryDirectory { dir in
            #expect(throws: LockError.self) {
                try StateCopy.copy(federation: "fed", from: .postgres(url), to: .sqlite(path: dir.path("copy.db")))
            }
        }
        try store.unlock(lock.id)
    }
}
