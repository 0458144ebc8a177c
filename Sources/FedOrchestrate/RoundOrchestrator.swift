import FedSpec

/// Assigns each participant's task for one round to one of its VMs, retrying on the next VM when
/// one fails. Apply and the simulator both go through `run`.
///
/// Per participant: the eligible VMs (see `Eligibility`) form a `CircularQueue` resuming at the
/// participant's saved cursor. Up to `attempts` times, the task goes to the queue's next VM that
/// is not *suspect*, under `TaskDeadline` with `taskTimeout`. A VM that fails or times out becomes
/// suspect for the rest of this round (suspicion is not carried into the next round: the spec's
/// inventory states are the durable record of a VM's health). The first success ends the
/// participant's round. When every eligible VM is suspect, or the attempts run out, the
/// participant drops out and its outcome lists each VM tried and why it failed, plus the
/// ineligible VMs and why. Every attempt moves the cursor past the VM it used.
///
/// Participants run concurrently (a participant's attempts run one after another); the outcome
/// keeps spec order. A dropout never stops the round for the others: deciding whether the round
/// still counts is `RoundOutcome.requireComplete(minParticipants:)`, called by the caller.
public struct RoundOrchestrator: Sendable {
    /// Attempts per participant per round, each on a different VM (at least 1).
    public var attempts: Int
    /// How long one attempt may run.
    public var taskTimeout: TimeSpan
    /// An extra requirement of the model (e.g. memory for its weights), checked with the minimum.
    public var modelRequirement: Resources?

    public init(attempts: Int, taskTimeout: TimeSpan, modelRequirement: Resources? = nil) {
        self.attempts = max(1, attempts)
        self.taskTimeout = taskTimeout
        self.modelRequirement = modelRequirement
    }

    /// Attempts and timeout from the spec's `training.retry`.
    public init(retry: RetryPolicy, modelRequirement: Resources? = nil) {
        self.init(attempts: retry.attempts, taskTimeout: retry.taskTimeout, modelRequirement: modelRequirement)
    }

    /// Runs round `round` for every participant. `cursors` are the saved queue cursors by
    /// participant name (missing ones start at 0); the outcome's `cursors` are the ones to save.
    public func run(round: Int, participants: [ParticipantSpec], cursors: [String: Int],
                    runner: some TaskRunner) async -> RoundOutcome {
        let outcomes = await withTaskGroup(of: (Int, ParticipantOutcome).self) { group in
            for (index, p) in participants.enumerated() {
                group.addTask {
                    (index, await self.run(round: round, participant: p, cursor: cursors[p.name] ?? 0, runner: runner))
                }
            }
            var byIndex: [Int: ParticipantOutcome] = [:]
            for await (index, outcome) in group { byIndex[index] = outcome }
            return participants.indices.map { byIndex[$0]! }
        }
        return RoundOutcome(round: round, participants: outcomes)
    }

    /// One participant's task for round `round`, starting the rotation at `cursor`.
    public func run(round: Int, participant: ParticipantSpec, cursor: Int,
                    runner: some TaskRunner) async -> ParticipantOutcome {
        let (eligible, ineligible) = Eligibility.partition(participant, model: modelRequirement)
        var queue = CircularQueue(participant: participant, model: modelRequirement, cursor: cursor)
        let requirement = Eligibility.requirement(participant, model: modelRequirement)
        var suspects: Set<String> = []
        var tried: [TaskAttempt] = []

        func outcome(_ status: ParticipantOutcome.Status) -> ParticipantOutcome {
            ParticipantOutcome(participant: participant.name, status: status, attempts: tried,
                               ineligible: ineligible, cursor: queue.cursor)
        }

        for attempt in 1...attempts {
            if Task.isCancelled { return outcome(.droppedOut(.cancelled)) }
            guard let vm = queue.take(skipping: suspects) else { break }
            let task = ParticipantTask(round: round, participant: participant.name, attempt: attempt, requirement: requirement)
            let result = await TaskDeadline.run(runner, task, on: vm, timeout: taskTimeout)
            tried.append(TaskAttempt(attempt: attempt, vm: vm.id, result: result, timeout: taskTimeout))
            if result.succeeded { return outcome(.trained(vm: vm.id)) }
            if Task.isCancelled { return outcome(.droppedOut(.cancelled)) }
            suspects.insert(vm.id)
        }

        if eligible.isEmpty { return outcome(.droppedOut(.noEligibleVM)) }
        if suspects.count >= eligible.count { return outcome(.droppedOut(.everyEligibleVMFailed)) }
        return outcome(.droppedOut(.attemptsExhausted(attempts: tried.count)))
    }
}
