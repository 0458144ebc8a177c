import FedSpec
import Testing
@testable import FedOrchestrate

@Suite struct OrchestratorSimulationTests {
    let spec = Fixture.covid

    func simulate(seed: UInt64, p: Double, rounds: Int = 20) async -> SimulationResult {
        await OrchestratorSimulation(spec: spec, rounds: rounds, seed: seed, failureProbability: p).run()
    }

    @Test func theCaseStudySpecHasThreeAttemptsAndThreeRequiredParticipants() {
        #expect(spec.training.retry.attempts == 3)
        #expect(spec.training.minParticipants == 3)
        #expect(spec.participants.count == 3)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func withoutFaultsTheOrchestratorNeverDropsATask(seed: UInt64) async {
        let r = await simulate(seed: seed, p: 0)
        #expect(r.orchestrator.tasks == 60)
        #expect(r.orchestrator.dropouts == 0)
        #expect(r.orchestrator.dropoutRate == 0)
        #expect(r.orchestrator.successRate == 1)
        #expect(r.orchestrator.attempts == 60)
        #expect(r.orchestrator.roundsComplete == 20)
        #expect(r.orchestrator.runCompleted)
        // The queue alternates the two eligible VMs; the others never see a task.
        let counts = r.orchestrator.vmTasks.map { "\($0.vm) \($0.tasks)/\($0.updates)" }
        #expect(counts == Array(repeating: ["vm-001 10/10", "vm-002 10/10", "vm-003 0/0", "vm-004 0/0", "vm-005 0/0"], count: 3).flatMap { $0 })
        // The baseline lands on a VM that can work 2 times in 5; it never completes a run.
        #expect(r.baseline.dropoutRate > 0.3 && r.baseline.dropoutRate < 0.85)
        #expect(!r.baseline.runCompleted)
        #expect(r.baseline.vmTasks.filter { ["vm-003", "vm-004", "vm-005"].contains($0.vm) }.allSatisfy { $0.updates == 0 })
    }

    @Test func overManyRoundsTheBaselineDropsSixtyPercent() async {
        for seed: UInt64 in 1...3 {
            let r = await simulate(seed: seed, p: 0, rounds: 300)
            #expect(abs(r.baseline.dropoutRate - 0.6) < 0.06, "seed \(seed): \(r.baseline.dropoutRate)")
            #expect(abs(r.baseline.successRate - 0.4) < 0.06)
            #expect(r.orchestrator.successRate == 1)
        }
    }

    /// Replays the failure model by hand: the orchestrator drops a participant exactly when both of
    /// its eligible VMs fail that round; the baseline exactly when its random VM fails.
    @Test(arguments: [(1, 0.1), (2, 0.1), (3, 0.1), (1, 0.3), (2, 0.3), (3, 0.3)] as [(UInt64, Double)])
    func dropoutsAreExactlyTheTasksWhoseVMsAllFailed(seed: UInt64, p: Double) async {
        let r = await simulate(seed: seed, p: p)
        let world = FailureModel(seed: seed, failureProbability: p)
        var orchestratorDrops = 0, baselineDrops = 0
        for round in 1...20 {
            var perRound = 0
            for participant in spec.participants {
                let task = ParticipantTask(round: round, participant: participant.name, attempt: 1,
                                           requirement: Eligibility.requirement(participant))
                let eligible = participant.vms.filter { ["vm-001", "vm-002"].contains($0.id) }
                if eligible.allSatisfy({ world.outcome(task, on: $0) != .succeeded }) { perRound += 1 }
                let pick = BaselineAssignment.choose(participant, round: round, seed: seed)!
                if world.outcome(task, on: pick) != .succeeded { baselineDrops += 1 }
            }
            #expect(r.orchestrator.perRound[round - 1].dropouts == perRound, "round \(round)")
            orchestratorDrops += perRound
        }
        #expect(r.orchestrator.dropouts == orchestratorDrops)
        #expect(r.baseline.dropouts == baselineDrops)
        #expect(r.orchestrator.successRate > r.baseline.successRate)
        #expect(r.orchestrator.attempts <= 60 * 2)
    }

    @Test func theSameSeedGivesTheSameTableAndAnotherSeedAnotherOne() async {
        let a = await simulate(seed: 7, p: 0.2)
        let b = await simulate(seed: 7, p: 0.2)
        let c = await simulate(seed: 8, p: 0.2)
        #expect(a == b)
        #expect(a.renderTable() == b.renderTable())
        #expect(a.renderTable() != c.renderTable())
    }

    @Test func theTableSummarisesBothStrategies() async {
        let table = await simulate(seed: 1, p: 0).renderTable()
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "covid19-cxr: 20 rounds, 3 participants, minParticipants 3, retry 3 attempts, p = 0, seed 1")
        #expect(lines[2] == "strategy      tasks  attempts  updates  dropouts  dropout rate  success rate  rounds complete  run completed")
        #expect(lines[3] == "orchestrator     60        60       60         0          0.0%        100.0%            20/20            yes")
        #expect(lines[4].hasPrefix("baseline         60        60"))
        #expect(table.contains("hospital-eu / vm-003                           0/0"))
    }

    @Test func theJSONFormRoundTrips() async throws {
        let r = await simulate(seed: 2, p: 0.1, rounds: 4)
        let json = try r.renderJSON()
        #expect(try SimulationResult.decode(json: json) == r)
        #expect(json.contains("\"successRate\""))
        #expect(json.contains("\"dropoutRate\""))
        #expect(json.contains("\"roundsComplete\""))
        #expect(try r.renderJSON() == json)
    }
}
