import FedSpec
import Testing
@testable import FedOrchestrate

@Suite struct FailureModelTests {
    let requirement = Resources(vcpu: 2, memoryGiB: 4, diskGiB: 20)

    func task(round: Int = 1, participant: String = "site-a") -> ParticipantTask {
        ParticipantTask(round: round, participant: participant, attempt: 1, requirement: requirement)
    }

    @Test func anInactiveVMNeverAnswers() {
        let model = FailureModel(seed: 1, failureProbability: 0)
        #expect(model.outcome(task(), on: Fixture.vm("vm-003", .inactive)) == .failed(reason: "no response: vm is inactive"))
    }

    @Test func aVMUnderTheRequirementRunsOutOfTheFirstShortResource() {
        let model = FailureModel(seed: 1, failureProbability: 0)
        #expect(model.outcome(task(), on: Fixture.vm("vm-005", vcpu: 1, memoryGiB: 2, diskGiB: 10))
            == .failed(reason: "out of memory: needs 4 GiB, has 2"))
        #expect(model.outcome(task(), on: Fixture.vm("vm-006", vcpu: 1, memoryGiB: 8, diskGiB: 10))
            == .failed(reason: "out of disk: needs 20 GiB, has 10"))
        #expect(model.outcome(task(), on: Fixture.vm("vm-007", vcpu: 1))
            == .failed(reason: "too few vCPUs: needs 2, has 1"))
    }

    @Test func withNoFaultsAnEligibleVMAlwaysSucceeds() {
        let model = FailureModel(seed: 9, failureProbability: 0)
        for round in 1...200 { #expect(model.outcome(task(round: round), on: Fixture.vm("vm-001")) == .succeeded) }
    }

    @Test func theDefaultFaultRateIsTenPercent() {
        #expect(FailureModel(seed: 1).failureProbability == 0.1)
        #expect(FailureModel.defaultFailureProbability == 0.1)
    }

    @Test func faultsComeAtRoughlyTheGivenRate() {
        let model = FailureModel(seed: 5, failureProbability: 0.3)
        let draws = (1...4000).map { model.outcome(task(round: $0), on: Fixture.vm("vm-001")) }
        let failed = draws.filter { $0 != .succeeded }
        #expect(abs(Double(failed.count) / 4000 - 0.3) < 0.03)
        #expect(failed.allSatisfy { $0 == .failed(reason: "crashed: simulated fault (p = 0.3)") })
    }

    @Test func theSameSeedGivesTheSameWorldAndAnotherSeedADifferentOne() {
        let vms = ["vm-001", "vm-002"].map { Fixture.vm($0) }
        func world(_ seed: UInt64) -> [TaskResult?] {
            let model = FailureModel(seed: seed, failureProbability: 0.3)
            return (1...100).flatMap { round in
                ["site-a", "site-b"].flatMap { p in vms.map { model.outcome(task(round: round, participant: p), on: $0) } }
            }
        }
        #expect(world(11) == world(11))
        #expect(world(11) != world(12))
    }

    @Test func aForcedVMFailsOrHangs() async {
        let model = FailureModel(seed: 1, failureProbability: 0, forced: [
            VMRef(participant: "site-a", vm: "vm-001"): .fail(reason: "kernel panic"),
            VMRef(participant: "site-a", vm: "vm-002"): .hang,
        ])
        #expect(model.outcome(task(), on: Fixture.vm("vm-001")) == .failed(reason: "kernel panic"))
        #expect(model.outcome(task(), on: Fixture.vm("vm-002")) == nil)
        #expect(model.outcome(task(participant: "site-b"), on: Fixture.vm("vm-001")) == .succeeded)
        #expect(await model.run(task(), on: Fixture.vm("vm-002"), timeout: Fixture.timeSpan(ms: 20)) == .timedOut)
    }

    @Test func aForcedHangTimesOutInTheOrchestratorAndTheNextVMTakesOver() async {
        let model = FailureModel(seed: 1, failureProbability: 0,
                                 forced: [VMRef(participant: "hospital-us", vm: "vm-001"): .hang])
        let orchestrator = RoundOrchestrator(attempts: 3, taskTimeout: Fixture.timeSpan(ms: 50))
        let o = await orchestrator.run(round: 1, participant: Fixture.hospitalUS, cursor: 0, runner: model)
        #expect(o.attempts.map(\.description) == ["vm-001 timed out after 50ms", "vm-002 succeeded"])
    }
}
