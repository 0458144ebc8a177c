import FedSpec

/// One participant's training task in one round, as handed to a VM.
public struct ParticipantTask: Sendable, Hashable {
    /// Rounds count from 1.
    public var round: Int
    public var participant: String
    /// Which attempt this is for the participant in this round, from 1 to `retry.attempts`.
    public var attempt: Int
    /// What the task needs from the VM: the participant's minimum raised to the model's requirement.
    public var requirement: Resources

    public init(round: Int, participant: String, attempt: Int, requirement: Resources) {
        self.round = round
        self.participant = participant
        self.attempt = attempt
        self.requirement = requirement
    }
}

/// How one task on one VM ended.
public enum TaskResult: Sendable, Hashable, Codable {
    /// The VM trained and delivered the participant's update.
    case succeeded
    /// The VM reported an error (`out of memory: needs 4 GiB, has 2`, a crash, a refused connection…).
    case failed(reason: String)
    /// The task ran past the task timeout.
    case timedOut

    public var succeeded: Bool { self == .succeeded }
}

/// Runs one participant task on one VM and says how it ended.
///
/// The call is `async`: a real runner (a process on a local VM, an agent on a remote one) awaits
/// the work without holding a thread. It must honour `timeout` — stop the work and return
/// `.timedOut` once it has run that long — and should stop early when its task is cancelled. The
/// orchestrator does not rely on either: it runs each call under a `TaskDeadline` that counts the
/// attempt as `.timedOut` at the timeout, cancels the call and ignores whatever it returns later.
public protocol TaskRunner: Sendable {
    func run(_ task: ParticipantTask, on vm: VMSpec, timeout: TimeSpan) async -> TaskResult
}
