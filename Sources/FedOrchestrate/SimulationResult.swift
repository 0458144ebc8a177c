import FedSpec

/// What `OrchestratorSimulation` found: the settings it ran with and one `StrategyResult` per strategy.
public struct SimulationResult: Sendable, Hashable, Codable {
    public var federation: String
    public var rounds: Int
    public var participants: Int
    public var minParticipants: Int
    /// Retry attempts per participant per round (the orchestrator's; the baseline has one).
    public var attempts: Int
    public var seed: UInt64
    public var failureProbability: Double
    public var orchestrator: StrategyResult
    public var baseline: StrategyResult

    public var strategies: [StrategyResult] { [orchestrator, baseline] }
}

public enum AssignmentStrategy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Eligible VMs only, circular queue, retry on the next VM.
    case orchestrator
    /// A random VM from the whole inventory, no retry.
    case baseline
}

/// One strategy's tallies over all rounds. A *participant task* is one participant in one round;
/// it delivers an update or drops out, whatever number of VM attempts it took.
public struct StrategyResult: Sendable, Hashable, Codable {
    public var strategy: AssignmentStrategy
    /// Participant tasks: participants × rounds.
    public var tasks: Int
    /// Participant tasks that delivered an update.
    public var updates: Int
    /// Participant tasks that dropped out.
    public var dropouts: Int
    /// Tasks started on VMs, retries included.
    public var attempts: Int
    /// dropouts / tasks.
    public var dropoutRate: Double
    /// The study's run success rate: updates / tasks.
    public var successRate: Double
    /// Rounds in which at least `minParticipants` participants delivered an update.
    public var roundsComplete: Int
    /// True when every round was complete, i.e. a real run would have finished.
    public var runCompleted: Bool
    public var perRound: [RoundStats]
    /// Every VM of the inventory in spec order, with how many tasks it ran and delivered.
    public var vmTasks: [VMTaskCount]

    public init(_ strategy: AssignmentStrategy, outcomes: [RoundOutcome], inventory: [ParticipantSpec], minParticipants: Int) {
        self.strategy = strategy
        perRound = outcomes.map { RoundStats($0, minParticipants: minParticipants) }
        tasks = perRound.reduce(0) { $0 + $1.tasks }
        updates = perRound.reduce(0) { $0 + $1.updates }
        dropouts = perRound.reduce(0) { $0 + $1.dropouts }
        attempts = perRound.reduce(0) { $0 + $1.attempts }
        dropoutRate = tasks == 0 ? 0 : Double(dropouts) / Double(tasks)
        successRate = tasks == 0 ? 0 : Double(updates) / Double(tasks)
        roundsComplete = perRound.filter(\.complete).count
        runCompleted = roundsComplete == perRound.count

        var ran: [VMRef: Int] = [:], delivered: [VMRef: Int] = [:]
        for round in outcomes {
            for p in round.participants {
                for a in p.attempts {
                    let ref = VMRef(participant: p.participant, vm: a.vm)
                    ran[ref, default: 0] += 1
                    if a.result.succeeded { delivered[ref, default: 0] += 1 }
                }
            }
        }
        vmTasks = inventory.flatMap { p in
            p.vms.map { vm in
                let ref = VMRef(participant: p.name, vm: vm.id)
                return VMTaskCount(participant: p.name, vm: vm.id, tasks: ran[ref] ?? 0, updates: delivered[ref] ?? 0)
            }
        }
    }
}

/// One round's tallies for one strategy.
public struct RoundStats: Sendable, Hashable, Codable {
    public var round: Int
    public var tasks: Int
    public var updates: Int
    public var dropouts: Int
    public var attempts: Int
    public var dropoutRate: Double
    public var complete: Bool

    public init(_ outcome: RoundOutcome, minParticipants: Int) {
        round = outcome.round
        tasks = outcome.participants.count
        updates = outcome.updates.count
        dropouts = outcome.dropouts.count
        attempts = outcome.participants.reduce(0) { $0 + $1.attempts.count }
        dropoutRate = tasks == 0 ? 0 : Double(dropouts) / Double(tasks)
        complete = outcome.isComplete(minParticipants: minParticipants)
    }
}

/// How many tasks one VM ran, and how many of them delivered an update.
public struct VMTaskCount: Sendable, Hashable, Codable {
    public var participant: String
    public var vm: String
    public var tasks: Int
    public var updates: Int
}
