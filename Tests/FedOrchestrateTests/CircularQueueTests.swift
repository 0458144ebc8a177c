import FedSpec
import Testing
@testable import FedOrchestrate

@Suite struct CircularQueueTests {
    /// The VMs `count` successive `take`s return.
    func serve(_ queue: inout CircularQueue, _ count: Int, skipping: Set<String> = []) -> [String] {
        (0..<count).compactMap { _ in queue.take(skipping: skipping)?.id }
    }

    @Test func rotatesOverTheEligibleVMsInInventoryOrder() {
        var q = CircularQueue(participant: Fixture.hospitalUS, cursor: 0)
        #expect(q.eligible.map(\.id) == ["vm-001", "vm-002"])
        #expect(serve(&q, 5) == ["vm-001", "vm-002", "vm-001", "vm-002", "vm-001"])
    }

    @Test func theCursorIsTheInventoryPositionAfterTheVMServed() {
        let q = CircularQueue(participant: Fixture.hospitalUS, cursor: 0)
        #expect(q.next()?.vm.id == "vm-001")
        #expect(q.next()?.cursor == 1)
        let after002 = CircularQueue(participant: Fixture.hospitalUS, cursor: 1).next()
        #expect(after002?.vm.id == "vm-002")
        #expect(after002?.cursor == 2)
        // From position 2 the search passes vm-003..vm-005 (ineligible) and wraps to vm-001.
        #expect(CircularQueue(participant: Fixture.hospitalUS, cursor: 2).next()?.vm.id == "vm-001")
        #expect(CircularQueue(participant: Fixture.hospitalUS, cursor: 4).next()?.vm.id == "vm-001")
    }

    @Test func nextDoesNotMoveTheQueue() {
        let q = CircularQueue(participant: Fixture.hospitalUS, cursor: 0)
        #expect(q.next()?.vm.id == q.next()?.vm.id)
        #expect(q.cursor == 0)
    }

    @Test func skippedVMsArePassedOverAndAllSkippedGivesNil() {
        let q = CircularQueue(participant: Fixture.hospitalUS, cursor: 0)
        #expect(q.next(skipping: ["vm-001"])?.vm.id == "vm-002")
        #expect(q.next(skipping: ["vm-001"])?.cursor == 2)
        #expect(q.next(skipping: ["vm-001", "vm-002"]) == nil)
    }

    @Test func noEligibleVMGivesNil() {
        let p = Fixture.participant("site-a", [Fixture.vm("vm-001", .inactive)])
        #expect(CircularQueue(participant: p, cursor: 0).next() == nil)
        #expect(CircularQueue(participant: Fixture.participant("site-a", []), cursor: 3).next() == nil)
    }

    @Test(arguments: [1, 2, 3, 5])
    func noEligibleVMGetsMoreThanItsShare(eligibleCount: Int) {
        // Healthy VMs interleaved with inactive ones, so inventory positions and eligible indices differ.
        let vms = (1...eligibleCount).flatMap { i in
            [Fixture.vm("vm-\(i)"), Fixture.vm("off-\(i)", .inactive)]
        }
        let p = Fixture.participant("site-a", vms)
        for tasks in 1...23 {
            var q = CircularQueue(participant: p, cursor: 0)
            let served = serve(&q, tasks)
            let share = (tasks + eligibleCount - 1) / eligibleCount
            let counts = Dictionary(grouping: served, by: { $0 }).mapValues(\.count)
            #expect(counts.values.allSatisfy { $0 <= share }, "T=\(tasks): \(counts)")
            #expect(served.count == tasks)
        }
    }

    @Test func aRecoveredVMRejoinsAtItsInventoryPosition() {
        var inventory = [Fixture.vm("a"), Fixture.vm("b"), Fixture.vm("c", .inactive), Fixture.vm("d")]
        var q = CircularQueue(participant: Fixture.participant("site-a", inventory), cursor: 0)
        #expect(serve(&q, 2) == ["a", "b"])
        let saved = q.cursor

        // Still down: the rotation goes on to d.
        #expect(CircularQueue(participant: Fixture.participant("site-a", inventory), cursor: saved).next()?.vm.id == "d")
        // c comes back: it is served where it sits in the inventory, between b and d.
        inventory[2].state = .active
        var recovered = CircularQueue(participant: Fixture.participant("site-a", inventory), cursor: saved)
        #expect(serve(&recovered, 5) == ["c", "d", "a", "b", "c"])
    }

    @Test func aVMGoingDownDoesNotShiftTheRotation() {
        var inventory = [Fixture.vm("a"), Fixture.vm("b"), Fixture.vm("c")]
        var q = CircularQueue(participant: Fixture.participant("site-a", inventory), cursor: 0)
        #expect(serve(&q, 1) == ["a"])
        inventory[0].state = .inactive
        var after = CircularQueue(participant: Fixture.participant("site-a", inventory), cursor: q.cursor)
        #expect(serve(&after, 3) == ["b", "c", "b"])
    }

    @Test func theCursorRoundTripsThroughARestart() {
        let p = Fixture.participant("site-a", [Fixture.vm("a"), Fixture.vm("x", .inactive), Fixture.vm("b"), Fixture.vm("c")])
        var longLived = CircularQueue(participant: p, cursor: 0)
        let uninterrupted = serve(&longLived, 10)

        var saved = 0
        var restarted: [String] = []
        for _ in 0..<10 {
            // A new process each time: only the integer survives.
            var q = CircularQueue(participant: p, cursor: saved)
            restarted.append(q.take()!.id)
            saved = q.cursor
        }
        #expect(restarted == uninterrupted)
        #expect(uninterrupted == ["a", "b", "c", "a", "b", "c", "a", "b", "c", "a"])
    }

    @Test func aSavedCursorIsReadModuloTheInventorySize() {
        let p = Fixture.participant("site-a", healthy: ["a", "b", "c"])
        #expect(CircularQueue(participant: p, cursor: 7).cursor == 1)
        #expect(CircularQueue(participant: p, cursor: 7).next()?.vm.id == "b")
        #expect(CircularQueue(participant: p, cursor: -1).next()?.vm.id == "c")
        // The inventory shrank from five VMs to three: cursor 4 still lands on a VM.
        #expect(CircularQueue(participant: p, cursor: 4).next()?.vm.id == "b")
        #expect(CircularQueue(participant: p, cursor: 2).next()?.cursor == 0)
    }
}
