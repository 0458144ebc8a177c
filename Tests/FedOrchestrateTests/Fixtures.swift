import Foundation
import FedSpec
@testable import FedOrchestrate

/// Specs and participants for the tests: the case-study spec from `specs/`, and participants with
/// any inventory, built by editing VMs loaded from an inline spec (FedSpec's models have no public
/// memberwise initialisers).
enum Fixture {
    static let covidPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../specs/covid19-multicloud.yaml").standardized.path

    static func load(path: String) -> Spec {
        let r = SpecLoader(credentialCheck: .skip).load(path: path)
        guard let spec = r.spec else { fatalError("\(path): \(r.diagnostics.items.map(\.rendered))") }
        return spec
    }

    static func load(yaml: String) -> Spec {
        let r = SpecLoader(credentialCheck: .skip).load(bytes: Array(yaml.utf8), file: "inline.yaml")
        guard let spec = r.spec else { fatalError("inline spec: \(r.diagnostics.items.map(\.rendered))") }
        return spec
    }

    /// specs/covid19-multicloud.yaml: 3 hospitals × (vm-001, vm-002 eligible; vm-003, vm-004 inactive; vm-005 too small).
    static let covid = load(path: covidPath)

    static var hospitalUS: ParticipantSpec { covid.participants[0] }

    static let template = load(yaml: """
        apiVersion: fedplane/v1
        kind: Federation
        metadata: { name: orchestrate-test }
        policy: { allowPrivateAggregator: true }
        clouds:
          lab: { provider: local }
          site: { provider: local }
        aggregator:
          candidates: { clouds: [lab] }
        participants:
          - name: site-a
            cloud: site
            location: aws/us-east-1
            minResources: { vcpu: 2, memoryGiB: 4, diskGiB: 20 }
            vms:
              - { id: vm-001, vcpu: 4, memoryGiB: 8, diskGiB: 40, state: active }
        training:
          rounds: 3
          minParticipants: 1
          retry: { attempts: 3, taskTimeout: 50ms }

        """)

    /// A VM; `state` and sizes default to a healthy 4 vCPU / 8 GiB / 40 GiB machine.
    static func vm(_ id: String, _ state: VMState = .active, vcpu: Int = 4, memoryGiB: Double = 8, diskGiB: Double = 40) -> VMSpec {
        var vm = template.participants[0].vms[0]
        vm.id = id
        vm.state = state
        vm.resources = Resources(vcpu: vcpu, memoryGiB: memoryGiB, diskGiB: diskGiB)
        return vm
    }

    /// A participant with minimum 2 vCPU / 4 GiB / 20 GiB and the given VMs.
    static func participant(_ name: String, _ vms: [VMSpec]) -> ParticipantSpec {
        var p = template.participants[0]
        p.name = name
        p.vms = vms
        return p
    }

    /// A participant whose VMs `ids` are all healthy and active.
    static func participant(_ name: String, healthy ids: [String]) -> ParticipantSpec {
        participant(name, ids.map { vm($0) })
    }

    static func timeSpan(ms: Double) -> TimeSpan { TimeSpan(milliseconds: ms) }
}

/// A runner told per VM how to behave, which logs every call. Unlisted VMs succeed.
final class ScriptedRunner: TaskRunner, @unchecked Sendable {
    enum Behaviour: Sendable {
        case succeed
        case fail(String)
        /// Waits for cancellation (or 5 s), then reports success — a runner that would have finished late.
        case hangCooperatively
        /// Never looks at cancellation or the timeout; answers `.succeeded` after 2 s.
        case hangIgnoringCancellation
    }

    struct Call: Hashable {
        var round: Int
        var participant: String
        var vm: String
        var attempt: Int
    }

    private let lock = NSLock()
    private var log: [Call] = []
    private let script: [String: Behaviour]

    /// `script` is keyed by `participant/vm`.
    init(_ script: [String: Behaviour] = [:]) { self.script = script }

    var calls: [Call] { lock.withLock { log } }

    func calls(of participant: String) -> [String] { calls.filter { $0.participant == participant }.map(\.vm) }

    func run(_ task: ParticipantTask, on vm: VMSpec, timeout: TimeSpan) async -> TaskResult {
        lock.withLock { log.append(Call(round: task.round, participant: task.participant, vm: vm.id, attempt: task.attempt)) }
        switch script["\(task.participant)/\(vm.id)"] ?? .succeed {
        case .succeed:
            return .succeeded
        case .fail(let reason):
            return .failed(reason: reason)
        case .hangCooperatively:
            try? await Task.sleep(nanoseconds: 5_000_000_000)
            return .succeeded
        case .hangIgnoringCancellation:
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().asyncAfter(deadline: .now() + 2) { c.resume() }
            }
            return .succeeded
        }
    }
}
