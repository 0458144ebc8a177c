import FedSpec
import Testing
@testable import FedOrchestrate

@Suite struct RoundOrchestratorTests {
    /// Tests without a hanging VM get a timeout nothing reaches; those with one get 50 ms.
    let orchestrator = RoundOrchestrator(attempts: 3, taskTimeout: Fixture.timeSpan(ms: 600_000))
    let impatient = RoundOrchestrator(attempts: 3, taskTimeout: Fixture.timeSpan(ms: 50))

    @Test func aHealthyParticipantTrainsOnTheQueuesNextVM() async {
        let runner = ScriptedRunner()
        let p = Fixture.hospitalUS
        let first = await orchestrator.run(round: 1, participant: p, cursor: 0, runner: runner)
        #expect(first.status == .trained(vm: "vm-001"))
        #expect(first.attempts.map(\.description) == ["vm-001 succeeded"])
        #expect(first.cursor == 1)
        let second = await orchestrator.run(round: 2, participant: p, cursor: first.cursor!, runner: runner)
        #expect(second.trainedOn == "vm-002")
        #expect(second.cursor == 2)
        #expect(runner.calls.map(\.attempt) == [1, 1])
    }

    @Test func aFailureMovesToTheNextVMAndMarksTheFailedOneSuspect() async {
        let runner = ScriptedRunner(["site-a/a": .fail("connection refused")])
        let p = Fixture.participant("site-a", healthy: ["a", "b", "c"])
        let o = await orchestrator.run(round: 1, participant: p, cursor: 0, runner: runner)
        #expect(o.trainedOn == "b")
        #expect(o.attempts.map(\.description) == ["a failed: connection refused", "b succeeded"])
        #expect(o.attempts.map(\.attempt) == [1, 2])
        #expect(o.suspects == ["a"])
        #expect(o.cursor == 2)  // moved once per attempt: past a, then past b
        #expect(o.summary == "site-a trained on b (a failed: connection refused)")
    }

    @Test func aSuspectIsNotTriedAgainInTheSameRound() async {
        // Two eligible VMs, three attempts: after a and b fail nothing is left, so a is not retried.
        let runner = ScriptedRunner(["site-a/a": .fail("boom"), "site-a/b": .fail("bang")])
        let p = Fixture.participant("site-a", healthy: ["a", "b"])
        let o = await orchestrator.run(round: 1, participant: p, cursor: 0, runner: runner)
        #expect(runner.calls(of: "site-a") == ["a", "b"])
        #expect(o.status == .droppedOut(.everyEligibleVMFailed))
    }

    @Test func suspicionEndsWithTheRound() async {
        let p = Fixture.participant("site-a", healthy: ["a", "b"])
        let round1 = await orchestrator.run(round: 1, participant: p, cursor: 0,
                                            runner: ScriptedRunner(["site-a/a": .fail("boom")]))
        #expect(round1.trainedOn == "b")
        // a recovered; the rotation has come round to it again.
        let round2 = await orchestrator.run(round: 2, participant: p, cursor: round1.cursor!, runner: ScriptedRunner())
        #expect(round2.trainedOn == "a")
    }

    @Test func aHangingVMTimesOutAndTheNextVMRunsTheTask() async {
        let runner = ScriptedRunner(["site-a/a": .hangCooperatively])
        let p = Fixture.participant("site-a", healthy: ["a", "b"])
        let o = await impatient.run(round: 1, participant: p, cursor: 0, runner: runner)
        #expect(o.attempts.map(\.result) == [.timedOut, .succeeded])
        #expect(o.attempts.map(\.description) == ["a timed out after 50ms", "b succeeded"])
        #expect(o.trainedOn == "b")
    }

    @Test func aRunnerThatIgnoresTheTimeoutIsCutOffAnyway() async {
        let runner = ScriptedRunner(["site-a/a": .hangIgnoringCancellation])
        let p = Fixture.participant("site-a", healthy: ["a", "b"])
        let o = await impatient.run(round: 1, participant: p, cursor: 0, runner: runner)
        #expect(o.attempts.map(\.result) == [.timedOut, .succeeded])
        #expect(o.trainedOn == "b")
    }

    @Test func theRunnersOwnAnswerWinsWhenItComesInTime() async {
        let task = ParticipantTask(round: 1, participant: "hospital-us", attempt: 1, requirement: Fixture.hospitalUS.minResources)
        let runner = ScriptedRunner(["hospital-us/vm-001": .fail("exit status 1")])
        #expect(await TaskDeadline.run(runner, task, on: Fixture.vm("vm-001"), timeout: Fixture.timeSpan(ms: 600_000))
            == .failed(reason: "exit status 1"))
        #expect(await TaskDeadline.run(runner, task, on: Fixture.vm("vm-002"), timeout: Fixture.timeSpan(ms: 600_000))
            == .succeeded)
    }

    @Test func cancellingTheRoundStopsTheParticipantAtOnce() async {
        // vm-001 would answer "succeeded" after 5 s; the cancelled round must not wait for it.
        let runner = ScriptedRunner(["hospital-us/vm-001": .hangCooperatively])
        let round = Task { await orchestrator.run(round: 1, participant: Fixture.hospitalUS, cursor: 0, runner: runner) }
        while runner.calls.isEmpty { try? await Task.sleep(nanoseconds: 1_000_000) }  // the attempt is under way
        round.cancel()
        let o = await round.value
        #expect(o.status == .droppedOut(.cancelled))
        #expect(o.attempts.map(\.result) == [.failed(reason: TaskDeadline.cancelledReason)])
    }

    @Test func whenEveryEligibleVMFailsTheParticipantDropsOutListingEveryVM() async {
        let runner = ScriptedRunner([
            "hospital-us/vm-001": .fail("out of memory: needs 6 GiB, has 4"),
            "hospital-us/vm-002": .hangCooperatively,
        ])
        let o = await impatient.run(round: 4, participant: Fixture.hospitalUS, cursor: 0, runner: runner)
        #expect(o.status == .droppedOut(.everyEligibleVMFailed))
        #expect(o.droppedOut)
        #expect(o.attempts.map(\.vm) == ["vm-001", "vm-002"])
        #expect(o.suspects == ["vm-001", "vm-002"])
        #expect(o.ineligible.map(\.vm) == ["vm-003", "vm-004", "vm-005"])
        #expect(o.summary == "hospital-us dropped out: every eligible VM failed "
            + "(vm-001 failed: out of memory: needs 6 GiB, has 4; vm-002 timed out after 50ms); "
            + "ineligible: vm-003 is inactive; vm-004 is inactive; "
            + "vm-005 is below the minimum (1 vCPU < 2, 2 GiB memory < 4, 10 GiB disk < 20)")
        #expect(o.cursor == 2)
    }

    @Test func runningOutOfAttemptsDropsOutBeforeEveryVMIsTried() async {
        let once = RoundOrchestrator(attempts: 1, taskTimeout: Fixture.timeSpan(ms: 600_000))
        let p = Fixture.participant("site-a", healthy: ["a", "b", "c"])
        let o = await once.run(round: 1, participant: p, cursor: 1, runner: ScriptedRunner(["site-a/b": .fail("boom")]))
        #expect(o.status == .droppedOut(.attemptsExhausted(attempts: 1)))
        #expect(o.summary == "site-a dropped out: all 1 attempt failed (b failed: boom)")
        #expect(o.cursor == 2)
    }

    @Test func aParticipantWithNoEligibleVMDropsOutWithoutRunningAnything() async {
        let p = Fixture.participant("site-a", [Fixture.vm("a", .inactive), Fixture.vm("b", vcpu: 1)])
        let runner = ScriptedRunner()
        let o = await orchestrator.run(round: 1, participant: p, cursor: 0, runner: runner)
        #expect(o.status == .droppedOut(.noEligibleVM))
        #expect(runner.calls.isEmpty)
        #expect(o.summary == "site-a dropped out: no eligible VM; ineligible: a is inactive; b is below the minimum (1 vCPU < 2)")
    }

    @Test func theRoundGoesOnForTheOtherParticipants() async {
        let participants = [
            Fixture.participant("site-a", healthy: ["a1", "a2"]),
            Fixture.participant("site-b", healthy: ["b1", "b2"]),
            Fixture.participant("site-c", healthy: ["c1", "c2"]),
        ]
        let runner = ScriptedRunner(["site-b/b1": .fail("disk full"), "site-b/b2": .fail("disk full"),
                                     "site-c/c1": .fail("reset")])
        let round = await orchestrator.run(round: 2, participants: participants, cursors: ["site-c": 0], runner: runner)
        #expect(round.participants.map(\.participant) == ["site-a", "site-b", "site-c"])
        #expect(round.participants.map(\.trainedOn) == ["a1", nil, "c2"])
        #expect(round.dropouts.map(\.participant) == ["site-b"])
        #expect(round.updates.count == 2)
        #expect(round.cursors == ["site-a": 1, "site-b": 0, "site-c": 0])
    }

    @Test func savedCursorsSpreadTasksOverRounds() async {
        let p = Fixture.participant("site-a", [Fixture.vm("a"), Fixture.vm("off", .inactive), Fixture.vm("b"),
                                               Fixture.vm("c"), Fixture.vm("d"), Fixture.vm("e")])
        var cursors: [String: Int] = [:]
        var served: [String] = []
        for round in 1...13 {
            let outcome = await orchestrator.run(round: round, participants: [p], cursors: cursors, runner: ScriptedRunner())
            served.append(outcome.participants[0].trainedOn!)
            cursors = outcome.cursors
        }
        let counts = Dictionary(grouping: served, by: { $0 }).mapValues(\.count)
        #expect(counts.values.allSatisfy { $0 <= 3 }, "\(counts)")  // ⌈13 / 5⌉
        #expect(Array(served.prefix(6)) == ["a", "b", "c", "d", "e", "a"])
    }
}

@Suite struct RoundCompletenessTests {
    func round(trained: Int, dropped: Int) -> RoundOutcome {
        let ok = (0..<trained).map {
            ParticipantOutcome(participant: "p\($0)", status: .trained(vm: "vm-001"), attempts: [], ineligible: [], cursor: 1)
        }
        let gone = (0..<dropped).map {
            ParticipantOutcome(participant: "q\($0)", status: .droppedOut(.noEligibleVM), attempts: [],
                               ineligible: [.inactive(vm: "vm-001")], cursor: 0)
        }
        return RoundOutcome(round: 3, participants: ok + gone)
    }

    @Test func aRoundIsCompleteWithAtLeastMinParticipantsUpdates() throws {
        let r = round(trained: 2, dropped: 1)
        #expect(r.isComplete(minParticipants: 2))
        #expect(r.isComplete(minParticipants: 1))
        #expect(!r.isComplete(minParticipants: 3))
        try r.requireComplete(minParticipants: 2)
    }

    @Test func anIncompleteRoundNamesTheNumbersAndEachDropout() {
        let r = round(trained: 1, dropped: 2)
        #expect(throws: RoundIncomplete.self) { try r.requireComplete(minParticipants: 2) }
        do {
            try r.requireComplete(minParticipants: 2)
        } catch {
            #expect(error.description == "round 3 is incomplete: 1 of 3 participants delivered an update, "
                + "training.minParticipants is 2; q0 dropped out: no eligible VM; ineligible: vm-001 is inactive; "
                + "q1 dropped out: no eligible VM; ineligible: vm-001 is inactive")
            #expect(error.updates == 1)
        }
    }
}
