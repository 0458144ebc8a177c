import FedCloud
import FedHost
import FedSpec
import Foundation

/// Probes every VM of every participant whose provider can (the "observe" step of the
/// orchestrator). Plan uses a short timeout: a VM that does not answer quickly is not one to plan
/// a task on. VMs reached over SSH are probed in parallel and report their resources: what they
/// report, not what the spec declares, decides eligibility, and a difference is drift.
public struct VMHealthSurvey: Sendable {
    public static let planProbeTimeoutSeconds = 1.0
    /// An SSH probe includes the connection (a first handshake costs a few round trips).
    public static let sshProbeTimeoutSeconds = 10.0

    /// Per participant: VM id → why it cannot take a task.
    public var problems: [String: [String: String]] = [:]
    /// Per participant: VM id → what it reported.
    public var facts: [String: [String: HostFacts]] = [:]
    /// "hospital-a/vm-002 reports 2 vCPU, spec says 4", sorted.
    public var drift: [String] = []

    public static func run(_ spec: Spec, providers: ProviderSet) -> VMHealthSurvey {
        struct Probe: Sendable {
            var participant: String; var vm: VMSpec; var prober: any VMProber; var observes: Bool
            var minimum: (vcpu: Int, memoryGiB: Double, diskGiB: Double)
        }
        var list: [Probe] = []
        for p in spec.participants {
            guard let prober = providers.prober(ProviderFactory.instance(spec.cloud(named: p.cloud))) else { continue }
            let observes = spec.cloud(named: p.cloud)?.provider == .ssh
            for vm in p.vms where vm.state == .active { list.append(Probe(participant: p.name, vm: vm, prober: prober, observes: observes,
                                                                             minimum: (p.minResources.vcpu, p.minResources.memoryGiB, p.minResources.diskGiB))) }
        }
        let probes = list
        let results: [(VMHealth, HostFacts?)] = NetworkFanOut.map(probes.count) { i in
            let probe = probes[i]
            if probe.observes, let answer = probe.prober.facts(participant: probe.participant, vm: probe.vm.id, timeoutSeconds: sshProbeTimeoutSeconds) {
                switch answer {
                case .success(let f):
                    // One round trip: the minimum is checked against what the host just reported.
                    return (SSHProvider.belowMinimum(f, vm: probe.vm.id, minimum: probe.minimum).map { VMHealth.unhealthy($0) } ?? .healthy, f)
                case .failure(let e) where e.kind == .timedOut: return (.timedOut, nil)
                case .failure(let e): return (.unhealthy("ssh \(e.host): \(e.message)"), nil)
                }
            }
            return (probe.prober.probe(participant: probe.participant, vm: probe.vm.id, timeoutSeconds: planProbeTimeoutSeconds, readOnly: true), nil)
        }
        var survey = VMHealthSurvey()
        for (i, (health, f)) in results.enumerated() {
            let probe = probes[i]
            if let problem = health.problem { survey.problems[probe.participant, default: [:]][probe.vm.id] = problem }
            if let f {
                survey.facts[probe.participant, default: [:]][probe.vm.id] = f
                survey.drift += drift(probe.vm, facts: f).map { "\(probe.participant)/\($0)" }
            }
        }
        return survey
    }

    /// Where a VM's report differs from what the spec declares.
    static func drift(_ vm: VMSpec, facts f: HostFacts) -> [String] {
        var out: [String] = []
        let r = vm.resources
        if f.vcpu != r.vcpu { out.append("\(vm.id) reports \(f.vcpu) vCPU, spec says \(r.vcpu)") }
        // Memory as the kernel reports it is a little below the machine's size.
        if abs(f.memoryGiB - r.memoryGiB) > max(0.5, r.memoryGiB * 0.1) {
            out.append("\(vm.id) reports \(Self.format(f.memoryGiB)) GiB memory, spec says \(Self.format(r.memoryGiB))")
        }
        if f.freeDiskGiB < r.diskGiB { out.append("\(vm.id) reports \(Self.format(f.freeDiskGiB)) GiB free disk, spec says \(Self.format(r.diskGiB))") }
        return out
    }

    static func format(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.2f", x) }
}
