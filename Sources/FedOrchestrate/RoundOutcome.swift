import FedSpec

/// One try of a participant's task on one VM.
public struct TaskAttempt: Sendable, Hashable, Codable, CustomStringConvertible {
    /// From 1.
    public var attempt: Int
    public var vm: String
    public var result: TaskResult
    /// The timeout the attempt ran under (for the message of a timed-out attempt).
    public var timeout: TimeSpan

    public init(attempt: Int, vm: String, result: TaskResult, timeout: TimeSpan) {
        self.attempt = attempt
        self.vm = vm
        self.result = result
        self.timeout = timeout
    }

    /// `vm-001 succeeded`, `vm-001 failed: out of memory: needs 4 GiB, has 2`, `vm-002 timed out after 10m`.
    public var description: String {
        switch result {
        case .succeeded: return "\(vm) succeeded"
        case .failed(let reason): return "\(vm) failed: \(reason)"
        case .timedOut: return "\(vm) timed out after \(timeout)"
        }
    }
}

/// Why a participant delivered no update this round.
public enum DropoutCause: Sendable, Hashable, Codable, CustomStringConvertible {
    /// No VM of the participant is eligible; nothing was tried.
    case noEligibleVM
    /// Every eligible VM was tried this round and failed or timed out.
    case everyEligibleVMFailed
    /// The retry budget ran out before every eligible VM was tried.
    case attemptsExhausted(attempts: Int)
    /// The round was cancelled while the participant's task ran.
    case cancelled

    public var description: String {
        switch self {
        case .noEligibleVM: return "no eligible VM"
        case .everyEligibleVMFailed: return "every eligible VM failed"
        case .attemptsExhausted(let n): return "all \(n) attempt\(n == 1 ? "" : "s") failed"
        case .cancelled: return "the round was cancelled"
        }
    }
}

/// What happened to one participant in one round.
public struct ParticipantOutcome: Sendable, Hashable, Codable {
    public enum Status: Sendable, Hashable, Codable {
        /// The participant's update came from this VM.
        case trained(vm: String)
        case droppedOut(DropoutCause)
    }

    public var participant: String
    public var status: Status
    /// Every VM tried, in order, with how it ended.
    public var attempts: [TaskAttempt]
    /// The VMs that were never candidates, and why (empty for the baseline, which does not filter).
    public var ineligible: [Ineligibility]
    /// The queue cursor to persist for the next round; nil when no queue was used (the baseline).
    public var cursor: Int?

    public init(participant: String, status: Status, attempts: [TaskAttempt], ineligible: [Ineligibility], cursor: Int?) {
        self.participant = participant
        self.status = status
        self.attempts = attempts
        self.ineligible = ineligible
        self.cursor = cursor
    }

    /// The VM that delivered the update, if any.
    public var trainedOn: String? {
        if case .trained(let vm) = status { return vm }
        return nil
    }

    public var droppedOut: Bool { trainedOn == nil }

    /// VMs that failed or timed out this round, in the order they were tried; the orchestrator
    /// skipped them for the rest of the round.
    public var suspects: [String] { attempts.filter { !$0.result.succeeded }.map(\.vm) }

    /// `hospital-us trained on vm-002 (vm-001 failed: …)` or
    /// `hospital-us dropped out: every eligible VM failed (vm-001 failed: …; vm-002 timed out after 10m); ineligible: vm-003 is inactive; …`.
    public var summary: String {
        let tried = attempts.filter { !$0.result.succeeded }.map(\.description).joined(separator: "; ")
        switch status {
        case .trained(let vm):
            return tried.isEmpty ? "\(participant) trained on \(vm)" : "\(participant) trained on \(vm) (\(tried))"
        case .droppedOut(let cause):
            var text = "\(participant) dropped out: \(cause)"
            if !tried.isEmpty { text += " (\(tried))" }
            if !ineligible.isEmpty { text += "; ineligible: " + ineligible.map(\.description).joined(separator: "; ") }
            return text
        }
    }
}

/// What happened in one round: an outcome per participant, in spec order.
public struct RoundOutcome: Sendable, Hashable, Codable {
    /// From 1.
    public var round: Int
    public var participants: [ParticipantOutcome]

    public init(round: Int, participants: [ParticipantOutcome]) {
        self.round = round
        self.participants = participants
    }

    /// Participants that delivered an update.
    public var updates: [ParticipantOutcome] { participants.filter { !$0.droppedOut } }
    public var dropouts: [ParticipantOutcome] { participants.filter(\.droppedOut) }

    /// The cursors to persist, by participant (participants without a queue are left out).
    public var cursors: [String: Int] {
        Dictionary(participants.compactMap { p in p.cursor.map { (p.participant, $0) } }, uniquingKeysWith: { _, last in last })
    }

    /// True when at least `minParticipants` participants delivered an update.
    public func isComplete(minParticipants: Int) -> Bool { updates.count >= minParticipants }

    /// Throws `RoundIncomplete` (naming each dropout and why) when fewer than `minParticipants`
    /// participants delivered an update. Whether to stop the run is the caller's decision.
    public func requireComplete(minParticipants: Int) throws(RoundIncomplete) {
        guard !isComplete(minParticipants: minParticipants) else { return }
        throw RoundIncomplete(round: round, updates: updates.count, participants: participants.count,
                              minParticipants: minParticipants, dropouts: dropouts.map(\.summary))
    }
}

/// A round in which too few participants delivered an update.
public struct RoundIncomplete: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var round: Int
    public var updates: Int
    public var participants: Int
    public var minParticipants: Int
    /// One `ParticipantOutcome.summary` per participant that dropped out.
    public var dropouts: [String]

    /// `round 3 is incomplete: 1 of 3 participants delivered an update, training.minParticipants is 2;
    /// hospital-us dropped out: …; hospital-eu dropped out: …`
    public var description: String {
        let head = "round \(round) is incomplete: \(updates) of \(participants) participant\(participants == 1 ? "" : "s") "
            + "delivered an update, training.minParticipants is \(minParticipants)"
        return ([head] + dropouts).joined(separator: "; ")
    }
}
