import FedRandom
import FedSpec

/// The study's comparison: each participant's task goes to a VM picked uniformly at random from its
/// whole inventory (any state, any size), with no filtering and no retry.
public enum BaselineAssignment {
    /// The VM for `participant`'s task in `round`; nil when the inventory is empty. Depends only on
    /// (seed, round, participant name), so both strategies of a simulation can share a seed.
    public static func choose(_ participant: ParticipantSpec, round: Int, seed: UInt64) -> VMSpec? {
        guard !participant.vms.isEmpty else { return nil }
        var rng = SplitMix64(key: seed, tag, UInt64(truncatingIfNeeded: round), SplitMix64.key(participant.name))
        return participant.vms[rng.nextInt(below: participant.vms.count)]
    }

    /// One round of the baseline: one attempt per participant on `choose`'s VM, under the same
    /// `TaskDeadline` as the orchestrator. Outcomes carry no cursor and no ineligible list.
    public static func run(round: Int, participants: [ParticipantSpec], seed: UInt64, taskTimeout: TimeSpan,
                           modelRequirement: Resources? = nil, runner: some TaskRunner) async -> RoundOutcome {
        var outcomes: [ParticipantOutcome] = []
        for p in participants {
            guard let vm = choose(p, round: round, seed: seed) else {
                outcomes.append(ParticipantOutcome(participant: p.name, status: .droppedOut(.noEligibleVM),
                                                   attempts: [], ineligible: [], cursor: nil))
                continue
            }
            let task = ParticipantTask(round: round, participant: p.name, attempt: 1,
                                       requirement: Eligibility.requirement(p, model: modelRequirement))
            let result = await TaskDeadline.run(runner, task, on: vm, timeout: taskTimeout)
            let attempt = TaskAttempt(attempt: 1, vm: vm.id, result: result, timeout: taskTimeout)
            let status: ParticipantOutcome.Status = result.succeeded ? .trained(vm: vm.id) : .droppedOut(.attemptsExhausted(attempts: 1))
            outcomes.append(ParticipantOutcome(participant: p.name, status: status, attempts: [attempt], ineligible: [], cursor: nil))
        }
        return RoundOutcome(round: round, participants: outcomes)
    }

    static let tag: UInt64 = 0xBA5E_11E0
}
