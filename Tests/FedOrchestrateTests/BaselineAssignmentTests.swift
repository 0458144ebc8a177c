import FedSpec
import Testing
@testable import FedOrchestrate

@Suite struct BaselineAssignmentTests {
    @Test func picksFromTheWholeInventoryRoughlyUniformly() {
        let p = Fixture.hospitalUS
        let picks = (1...2000).compactMap { BaselineAssignment.choose(p, round: $0, seed: 3)?.id }
        let counts = Dictionary(grouping: picks, by: { $0 }).mapValues(\.count)
        #expect(Set(counts.keys) == ["vm-001", "vm-002", "vm-003", "vm-004", "vm-005"])
        #expect(counts.values.allSatisfy { abs(Double($0) / 2000 - 0.2) < 0.03 }, "\(counts)")
    }

    @Test func theChoiceDependsOnlyOnSeedRoundAndParticipant() {
        let p = Fixture.hospitalUS
        let a = (1...50).map { BaselineAssignment.choose(p, round: $0, seed: 3)?.id }
        #expect(a == (1...50).map { BaselineAssignment.choose(p, round: $0, seed: 3)?.id })
        #expect(a != (1...50).map { BaselineAssignment.choose(p, round: $0, seed: 4)?.id })
        #expect(BaselineAssignment.choose(Fixture.participant("empty", []), round: 1, seed: 3) == nil)
    }

    @Test func oneAttemptAndNoRetry() async {
        let participants = [Fixture.participant("site-a", healthy: ["a", "b"])]
        let runner = ScriptedRunner(["site-a/a": .fail("boom"), "site-a/b": .fail("boom")])
        let round = await BaselineAssignment.run(round: 1, participants: participants, seed: 1,
                                       taskTimeout: Fixture.timeSpan(ms: 600_000), runner: runner)
        #expect(runner.calls.count == 1)
        #expect(round.participants[0].status == .droppedOut(.attemptsExhausted(attempts: 1)))
        #expect(round.participants[0].cursor == nil)
        #expect(round.cursors.isEmpty)
    }
}
