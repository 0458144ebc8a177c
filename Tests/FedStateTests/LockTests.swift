import Foundation
import Testing

@testable import FedState

@Suite struct LockTests {
    private func open(_ path: String, owner: LockOwner = .current(version: "test")) throws -> StateStore {
        try StateStore.open(path: path, federation: "fed", create: true, owner: owner, clock: { fixedDate })
    }

    @Test func secondWriterFailsAtOnceWithTheHolder() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            let first = try open(path)
            let second = try open(path)
            let info = try first.lock(operation: "apply", timeout: .zero)

            let started = ContinuousClock.now
            let error = #expect(throws: LockError.self) {
                try second.lock(operation: "plan", timeout: .zero)
            }
            #expect(ContinuousClock.now - started < .seconds(1))
            let owner = LockOwner.current()
            #expect(
                error?.description
                    == "state is locked by \(owner.user)@\(owner.host) (pid \(getpid()), operation apply) since 2023-11-14T22:13:20Z; lock ID \(info.id)"
            )
            #expect(error?.isStale == false)
            #expect(try second.currentLock() == info)

            // Writes through the other store are refused too; the holder may write.
            #expect(throws: LockError.self) { try second.write { try $0.putParticipant("x") } }
            try first.write { try $0.putParticipant("y") }
            #expect(try second.snapshot().resources.map(\.address) == ["participant.y"])
        }
    }

    @Test func waitingWithTimeoutSucceedsOnceTheHolderUnlocks() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            let first = try open(path)
            let second = try open(path)
            let held = try first.lock(operation: "apply", timeout: .zero)

            let released = Thread {
                Thread.sleep(forTimeInterval: 0.4)
                try? first.unlock(held.id)
            }
            released.start()

            let started = ContinuousClock.now
            let info = try second.lock(operation: "apply", timeout: .seconds(10))
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(350))
            #expect(waited < .seconds(5))
            #expect(try first.currentLock()?.id == info.id)
            try second.unlock(info.id)
            #expect(try first.currentLock() == nil)
        }
    }

    @Test func waitingGivesUpAfterTheTimeout() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            let first = try open(path)
            try first.lock(operation: "apply", timeout: .zero)
            let second = try open(path)
            let started = ContinuousClock.now
            #expect(throws: LockError.self) { try second.lock(operation: "apply", timeout: .milliseconds(500)) }
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(450) && waited < .seconds(3))
        }
    }

    @Test func deadHolderOnThisHostIsReportedStale() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            let dead = try deadProcessID()
            var ghost = LockOwner.current(version: "test")
            ghost.pid = dead
            let crashed = try open(path, owner: ghost)
            let info = try crashed.lock(operation: "apply", timeout: .zero)

            let survivor = try open(path)
            let started = ContinuousClock.now
            let error = #expect(throws: LockError.self) {
                try survivor.lock(operation: "apply", timeout: .seconds(5))
            }
            #expect(ContinuousClock.now - started < .seconds(2))  // stale: no point waiting
            #expect(error?.isStale == true)
            let message = error?.description ?? ""
            #expect(message.contains("(pid \(dead), operation apply)"))
            #expect(message.contains("stale"))
            #expect(message.hasSuffix("fedplane force-unlock \(info.id)"))

            try survivor.forceUnlock(info.id)
            #expect(try survivor.currentLock() == nil)
            let mine = try survivor.lock(operation: "apply", timeout: .zero)
            #expect(try survivor.currentLock() == mine)
        }
    }

    @Test func deadPidOnAnotherHostIsNotJudged() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            let remote = LockOwner(user: "ci", host: "some-other-host", pid: try deadProcessID(), version: "test")
            try open(path, owner: remote).lock(operation: "apply", timeout: .zero)
            let error = #expect(throws: LockError.self) { try open(path).lock(operation: "apply", timeout: .zero) }
            #expect(error?.isStale == false)
            #expect(error?.description.hasPrefix("state is locked by ci@some-other-host (pid") == true)
        }
    }

    @Test func forceUnlockNeedsTheCurrentID() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            let holder = try open(path)
            let info = try holder.lock(operation: "apply", timeout: .zero)
            let other = try open(path)

            #expect(throws: StateStoreError.lockIDMismatch(path: path, id: "wrong", current: info)) {
                try other.forceUnlock("wrong")
            }
            #expect(try other.currentLock() == info)
            // unlock is only for the holder.
            #expect(throws: StateStoreError.notLockHolder(path: path, id: info.id, current: info)) {
                try other.unlock(info.id)
            }
            try other.forceUnlock(info.id)
            #expect(try other.currentLock() == nil)
            #expect(throws: StateStoreError.lockIDMismatch(path: path, id: info.id, current: nil)) {
                try other.forceUnlock(info.id)
            }

            // The old holder notices its lock is gone instead of writing over a new owner.
            #expect(throws: StateStoreError.lockLost(path: path, id: info.id)) {
                try holder.write { try $0.putParticipant("late") }
            }
            let newer = try other.lock(operation: "apply", timeout: .zero)
            #expect(throws: StateStoreError.lockLost(path: path, id: info.id)) {
                try holder.unlock(info.id)
            }
            #expect(try other.currentLock() == newer)
        }
    }

    @Test func lockingDoesNotMoveTheSerial() throws {
        try withTemporaryDirectory { dir in
            let store = try open(dir.path("state.db"))
            let info = try store.lock(operation: "apply", timeout: .zero)
            try store.unlock(info.id)
            #expect(try store.serial() == 0)
        }
    }
}
