import FedCloud
import FedSpec

/// Probes every VM of every participant whose provider can (the "observe" step of the
/// orchestrator): VM id → problem, per participant. Plan uses a short timeout: a VM that does not
/// answer quickly is not one to plan a task on.
public enum VMHealthSurvey {
    public static let planProbeTimeoutSeconds = 1.0

    public static func run(_ spec: Spec, providers: ProviderSet) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        for p in spec.participants {
            guard let kind = spec.cloud(named: p.cloud)?.provider.rawValue, let prober = providers.prober(kind) else { continue }
            for vm in p.vms where vm.state == .active {
                if let problem = prober.probe(participant: p.name, vm: vm.id, timeoutSeconds: planProbeTimeoutSeconds, readOnly: true).problem {
                    out[p.name, default: [:]][vm.id] = problem
                }
            }
        }
        return out
    }
}
