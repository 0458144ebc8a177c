import FedPostgresTestSupport
import Foundation
import Testing

@testable import FedState
import FedTestSupport

/// The PostgreSQL backend against a real server (one per test process, a database per test).
@Suite struct PostgresStateTests {
    static func database() throws -> PostgresURL {
        try #require(PostgresURL(try PostgresServer.shared().createDatabase()))
    }

    @Test func postgresStoreConforms() async throws { try await offPool { try Self().postgresStoreConformsBody() } }
    func postgresStoreConformsBody() throws {
        let url = try Self.database()
        try checkStateStoreConformance {
            try PostgresStateStore.open(url: url, federation: "fed", create: true)
        }
    }

    @Test func historyAndReadsMatchSQLite() async throws { try await offPool { try Self().historyAndReadsMatchSQLiteBody() } }
    func historyAndReadsMatchSQLiteBody() throws {
        let url = try Self.database()
        try withTemporaryDirectory { dir in
            let stores: [any StateBackend] = [
                try StateStore.open(path: dir.path("s.db"), federation: "fed", create: true, clock: { fixedDate }),
                try PostgresStateStore.open(url: url, federation: "fed", create: true, clock: { fixedDate }),
            ]
            for store in stores {
                try store.write { tx in
                    try tx.putParticipant("a")
                    try tx.setAssignment(participant: "a", vmID: "vm-1", reason: "spread")
                    try tx.journalStart(applyID: "x", step: 0, address: "participant.a", action: "create")
                    try tx.recordRun(RunRecord(run: 1, configHash: "c", status: .running, started: fixedDate))
                    try tx.recordRound(RoundRecord(run: 1, round: 1, participants: 3, loss: 0.25, accuracy: nil, precision: 0.5,
                                                   recall: nil, f1: nil, durationSeconds: 1.5, committed: fixedDate))
                    try tx.recordModel(ModelRecord(id: String(repeating: "ab", count: 32), run: 1, round: 1, configHash: "c",
                                                   sizeBytes: 10, metrics: #"{"loss":0.25}"#, created: fixedDate))
                    try tx.operationStart(applyID: "x", operation: "apply", owner: store.owner, planChecksum: "k", planSummary: "1 to add")
                }
                try store.write { tx in
                    try tx.journalFinish(applyID: "x", step: 0, outcome: .succeeded)
                    // Unchanged upserts count no rows: the serial stays.
                    #expect(try !tx.recordModel(ModelRecord(id: String(repeating: "ab", count: 32), run: 1, round: 1, configHash: "c",
                                                            sizeBytes: 10, metrics: "{}", created: fixedDate)))
                    #expect(try !tx.setAssignment(participant: "a", vmID: "vm-1", reason: "spread"))
                }
            }
            let (a, b) = (stores[0], stores[1])
            var (sa, sb) = (try a.snapshot(), try b.snapshot())
            sb = StateSnapshot(lineage: sa.lineage, serial: sb.serial, federation: sb.federation, resources: sb.resources,
                               assignments: sb.assignments, cursors: sb.cursors, lastRun: sb.lastRun)
            sa = StateSnapshot(lineage: sa.lineage, serial: sa.serial, federation: sa.federation, resources: sa.resources,
                               assignments: sa.assignments, cursors: sa.cursors, lastRun: sa.lastRun)
            #expect(sa == sb)
            #expect(sb.serial == 2)
            #expect(try a.journal(applyID: "x") == b.journal(applyID: "x"))
            #expect(try a.runs() == b.runs())
            #expect(try a.rounds(run: 1) == b.rounds(run: 1))
            #expect(try a.models(run: 1) == b.models(run: 1))
            #expect(try a.operations().map(\.steps) == b.operations().map(\.steps))
            #expect(try b.unfinishedJournalSteps().isEmpty)
        }
    }

    @Test func federationsShareOneDatabase() async throws { try await offPool { try Self().federationsShareOneDatabaseBody() } }
    func federationsShareOneDatabaseBody() throws {
        let url = try Self.database()
        let one = try PostgresStateStore.open(url: url, federation: "one", create: true)
        let two = try PostgresStateStore.open(url: url, federation: "two", create: true)
        try one.write { try $0.putParticipant("a") }
        #expect(try two.snapshot().resources.isEmpty)
        #expect(one.lineage != two.lineage)
        // Each federation has its own lock.
        let l1 = try one.lock(operation: "apply")
        let l2 = try two.lock(operation: "apply")
        try one.unlock(l1.id)
        try two.unlock(l2.id)
        #expect(try !PostgresStateStore.exists(url: url, federation: "three"))
        #expect(throws: StateStoreError.self) { try PostgresStateStore.open(url: url, federation: "three", create: false) }
    }

    @Test func lockNamesItsHolderAndBlocksOtherWriters() async throws { try await offPool { try Self().lockNamesItsHolderAndBlocksOtherWritersBody() } }
    func lockNamesItsHolderAndBlocksOtherWritersBody() throws {
        let url = try Self.database()
        let alice = try PostgresStateStore.open(
            url: url, federation: "fed", create: true,
            owner: LockOwner(user: "alice", host: "ci-1", pid: 4242, version: "1.0"), clock: { fixedDate })
        let bob = try PostgresStateStore.open(url: url, federation: "fed", create: false)
        let held = try alice.lock(operation: "apply")
        let error = try #require(throws: LockError.self) { try bob.lock(operation: "apply", timeout: .zero) }
        #expect(error.description == "state is locked by alice@ci-1 (pid 4242, operation apply) since 2023-11-14T22:13:20Z; lock ID \(held.id)")
        #expect(try bob.currentLock() == held)
        #expect(throws: LockError.self) { try bob.write { try $0.putParticipant("b") } }
        try alice.write { try $0.putParticipant("a") }  // the holder writes
        #expect(throws: StateStoreError.self) { try bob.forceUnlock(held.id, force: false) }  // its session is alive
        try alice.unlock(held.id)
        #expect(try bob.currentLock() == nil)
        let again = try bob.lock(operation: "apply")
        try bob.unlock(again.id)
    }

    @Test func aClosedSessionFreesTheLock() async throws { try await offPool { try Self().aClosedSessionFreesTheLockBody() } }
    func aClosedSessionFreesTheLockBody() throws {
        let url = try Self.database()
        var holder: PostgresStateStore? = try PostgresStateStore.open(url: url, federation: "fed", create: true, clock: { fixedDate })
        _ = try holder?.lock(operation: "apply")
        let other = try PostgresStateStore.open(url: url, federation: "fed", create: false, clock: { fixedDate })
        #expect(throws: LockError.self) { try other.lock(operation: "apply") }
        holder?.close()
        holder = nil  // the session ends as if the process died: no unlock ran
        // The server notices the closed session at once; wait for it within the lock timeout.
        let lock = try other.lock(operation: "apply", timeout: .seconds(10))
        #expect(try other.currentLock() == lock)
        try other.unlock(lock.id)
    }

    @Test func forceUnlockEndsALiveHolder() async throws { try await offPool { try Self().forceUnlockEndsALiveHolderBody() } }
    func forceUnlockEndsALiveHolderBody() throws {
        let url = try Self.database()
        let holder = try PostgresStateStore.open(url: url, federation: "fed", create: true, clock: { fixedDate })
        let held = try holder.lock(operation: "apply")
        let admin = try PostgresStateStore.open(url: url, federation: "fed", create: false)
        #expect(try admin.forceUnlock(held.id, force: true) == held)
        let lock = try admin.lock(operation: "apply", timeout: .seconds(10))
        try admin.unlock(lock.id)
        #expect(throws: (any Error).self) { try holder.write { try $0.putParticipant("late") } }
    }

    @Test func passwordNeverAppearsInErrors() async throws { try await offPool { try Self().passwordNeverAppearsInErrorsBody() } }
    func passwordNeverAppearsInErrorsBody() throws {
        let server = try PostgresServer.shared()
        let good = try #require(PostgresURL(try server.createDatabase()))
        let wrong = try #require(PostgresURL(server.url(database: "nope", password: "canary-Wrong-91d2")))
        #expect(!good.redacted.contains(PostgresServer.password))
        #expect(good.redacted.contains("fedplane:***@127.0.0.1"))
        let failure = try #require(throws: PostgresError.self) { try PostgresStateStore.open(url: wrong, federation: "fed", create: true) }
        #expect(!"\(failure)".contains("canary-Wrong-91d2"))
        #expect("\(failure)".contains("***"))
        let missing = try #require(throws: StateStoreError.self) { try PostgresStateStore.open(url: good, federation: "fed", create: false) }
        #expect(!"\(missing)".contains(PostgresServer.password))
        let store = try PostgresStateStore.open(url: good, federation: "fed", create: true)
        #expect(!store.location.contains(PostgresServer.password))
        #expect(PostgresURL.mask("postgresql://u@h/db?sslmode=require&password=s3cret") == "postgresql://u@h/db?sslmode=require&password=***")
    }
}
