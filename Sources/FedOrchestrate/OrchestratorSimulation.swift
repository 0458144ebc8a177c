import FedSpec

/// Replays R rounds of a spec's federation with both strategies — the orchestrator (filter, circular
/// queue, retry) and the baseline (a random VM, no retry) — over the same `FailureModel` and seed,
/// and tallies dropouts, updates and per-VM task counts.
///
/// The orchestrator's cursors start at 0 and are carried from round to round as apply would carry
/// them through the state database. Every round is played even after an incomplete one, so the
/// rates cover all R rounds; `StrategyResult.runCompleted` says whether a real run would have
/// reached the end.
public struct OrchestratorSimulation: Sendable {
    public var federation: String
    public var participants: [ParticipantSpec]
    public var rounds: Int
    public var minParticipants: Int
    public var attempts: Int
    public var taskTimeout: TimeSpan
    public var modelRequirement: Resources?
    public var seed: UInt64
    public var failures: FailureModel

    /// The federation, `training.rounds` (unless `rounds` is given), `training.minParticipants` and
    /// `training.retry` of `spec`, with a failure model of the given seed and probability.
    public init(spec: Spec, rounds: Int? = nil, seed: UInt64,
                failureProbability: Double = FailureModel.defaultFailureProbability,
                forced: [VMRef: FailureModel.Forced] = [:], modelRequirement: Resources? = nil) {
        federation = spec.metadata.name
        participants = spec.participants
        self.rounds = rounds ?? spec.training.rounds
        minParticipants = spec.training.minParticipants
        attempts = max(1, spec.training.retry.attempts)
        taskTimeout = spec.training.retry.taskTimeout
        self.modelRequirement = modelRequirement
        self.seed = seed
        failures = FailureModel(seed: seed, failureProbability: failureProbability, forced: forced)
    }

    public func run() async -> SimulationResult {
        let orchestrator = RoundOrchestrator(attempts: attempts, taskTimeout: taskTimeout, modelRequirement: modelRequirement)
        var cursors: [String: Int] = [:]
        var orchestrated: [RoundOutcome] = []
        var baseline: [RoundOutcome] = []
        for round in stride(from: 1, through: rounds, by: 1) {
            let outcome = await orchestrator.run(round: round, participants: participants, cursors: cursors, runner: failures)
            cursors.merge(outcome.cursors) { _, new in new }
            orchestrated.append(outcome)
            baseline.append(await BaselineAssignment.run(round: round, participants: participants, seed: seed, taskTimeout: taskTimeout,
                                               modelRequirement: modelRequirement, runner: failures))
        }
        return SimulationResult(
            federation: federation, rounds: max(0, rounds), participants: participants.count,
            minParticipants: minParticipants, attempts: attempts, seed: seed,
            failureProbability: failures.failureProbability,
            orchestrator: StrategyResult(.orchestrator, outcomes: orchestrated, inventory: participants, minParticipants: minParticipants),
            baseline: StrategyResult(.baseline, outcomes: baseline, inventory: participants, minParticipants: minParticipants))
    }
}
