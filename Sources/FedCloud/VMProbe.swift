import FedHost

/// What a health probe of one participant VM found.
public enum VMHealth: Sendable, Equatable {
    case healthy
    case unhealthy(String)
    /// It did not answer within the timeout.
    case timedOut
    /// The participant is not provisioned yet, so its VMs cannot be probed (apply will).
    case notProvisioned

    /// Why the VM cannot take a task now, or nil when it can (or cannot be known yet).
    public var problem: String? {
        switch self {
        case .healthy, .notProvisioned: return nil
        case .unhealthy(let why): return why
        case .timedOut: return "did not answer its health probe in time"
        }
    }
}

/// A provider that can check a participant's VMs (the orchestrator's observation of VM state).
public protocol VMProber: Sendable {
    /// `readOnly` probes (plan) change nothing on the VM; others may leave a heartbeat.
    func probe(participant: String, vm: String, timeoutSeconds: Double, readOnly: Bool) -> VMHealth
    /// What the VM reports about itself (vCPUs, memory, free disk, load), when the provider can
    /// ask it; nil when it cannot (the local provider's VMs are directories).
    func facts(participant: String, vm: String, timeoutSeconds: Double) -> Result<HostFacts, HostError>?
}

extension VMProber {
    public func facts(participant: String, vm: String, timeoutSeconds: Double) -> Result<HostFacts, HostError>? { nil }
}
