import FedRandom
import FedSpec

/// A participant's VM, named by participant and VM id (VM ids are only unique within a participant).
public struct VMRef: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var participant: String
    public var vm: String

    public init(participant: String, vm: String) {
        self.participant = participant
        self.vm = vm
    }

    public static func < (a: VMRef, b: VMRef) -> Bool { (a.participant, a.vm) < (b.participant, b.vm) }

    public var description: String { "\(participant)/\(vm)" }
}

/// A simulated world of VMs, as a `TaskRunner`. In order of precedence:
///
/// 1. an inactive VM always fails: `no response: vm is inactive`;
/// 2. a VM under the task's requirement always fails, naming the first short resource in the order
///    memory, disk, vCPU: `out of memory: needs 4 GiB, has 2`, `out of disk: needs 20 GiB, has 10`,
///    `too few vCPUs: needs 2, has 1`;
/// 3. a VM in `forced` fails with the given reason, or hangs until the timeout;
/// 4. any other VM fails with probability `failureProbability` (default 0.1):
///    `crashed: simulated fault (p = 0.1)`.
///
/// The random draw of rule 4 depends only on (seed, round, participant, VM): it is one fact about
/// the simulated world — "this VM is down for this participant in this round" — that every
/// strategy run with the same seed sees alike, whatever order the tasks run in.
public struct FailureModel: TaskRunner {
    public enum Forced: Sendable, Hashable {
        case fail(reason: String)
        /// Never answers: the task runs until the timeout (really waits, so use a short timeout).
        case hang
    }

    public static let defaultFailureProbability = 0.1

    public var seed: UInt64
    public var failureProbability: Double
    public var forced: [VMRef: Forced]

    public init(seed: UInt64, failureProbability: Double = FailureModel.defaultFailureProbability,
                forced: [VMRef: Forced] = [:]) {
        self.seed = seed
        self.failureProbability = failureProbability
        self.forced = forced
    }

    public func run(_ task: ParticipantTask, on vm: VMSpec, timeout: TimeSpan) async -> TaskResult {
        if let result = outcome(task, on: vm) { return result }
        // Hang, but honour the timeout like a well-behaved runner.
        try? await Task.sleep(nanoseconds: TaskDeadline.nanoseconds(timeout))
        return .timedOut
    }

    /// How `task` ends on `vm`, or nil when the VM hangs. Pure: same inputs, same answer.
    public func outcome(_ task: ParticipantTask, on vm: VMSpec) -> TaskResult? {
        if vm.state != .active { return .failed(reason: "no response: vm is inactive") }
        if let reason = Self.shortage(vm.resources, task.requirement) { return .failed(reason: reason) }
        switch forced[VMRef(participant: task.participant, vm: vm.id)] {
        case .fail(let reason): return .failed(reason: reason)
        case .hang: return nil
        case nil: break
        }
        var rng = SplitMix64(key: seed, UInt64(truncatingIfNeeded: task.round), SplitMix64.key(task.participant),
                             SplitMix64.key(vm.id))
        if rng.nextUnit() < failureProbability {
            return .failed(reason: "crashed: simulated fault (p = \(Format.number(failureProbability)))")
        }
        return .succeeded
    }

    static func shortage(_ has: Resources, _ needs: Resources) -> String? {
        if has.memoryGiB < needs.memoryGiB {
            return "out of memory: needs \(Format.number(needs.memoryGiB)) GiB, has \(Format.number(has.memoryGiB))"
        }
        if has.diskGiB < needs.diskGiB {
            return "out of disk: needs \(Format.number(needs.diskGiB)) GiB, has \(Format.number(has.diskGiB))"
        }
        if has.vcpu < needs.vcpu { return "too few vCPUs: needs \(needs.vcpu), has \(has.vcpu)" }
        return nil
    }
}
