import FedSpec

/// Which of a participant's VMs may run its task, and which one does. A VM is eligible when it is
/// active and meets the participant's minimum resources; the current assignment is kept while it
/// stays eligible, so assignments change only for a reason the plan can print.
public enum VMSelection {
    /// Why a VM cannot take a task, or nil when it can.
    public static func ineligibility(_ vm: VMSpec, minimum: Resources) -> String? {
        if vm.state != .active { return "\(vm.id) is \(vm.state.rawValue)" }
        var short: [String] = []
        if vm.resources.vcpu < minimum.vcpu { short.append("\(vm.resources.vcpu) vCPU < \(minimum.vcpu)") }
        if vm.resources.memoryGiB < minimum.memoryGiB { short.append("\(fmt(vm.resources.memoryGiB)) GiB memory < \(fmt(minimum.memoryGiB))") }
        if vm.resources.diskGiB < minimum.diskGiB { short.append("\(fmt(vm.resources.diskGiB)) GiB disk < \(fmt(minimum.diskGiB))") }
        return short.isEmpty ? nil : "\(vm.id) is below the minimum (\(short.joined(separator: ", ")))"
    }

    public static func eligible(_ p: ParticipantSpec) -> [VMSpec] {
        p.vms.filter { ineligibility($0, minimum: p.minResources) == nil }
    }

    /// The VM for `p`'s task and why, given the VM recorded in state (if any).
    public static func choose(_ p: ParticipantSpec, index: Int, current: String?) -> Result<(vm: String, reason: String), PlanError> {
        let eligible = eligible(p)
        guard let first = eligible.first else {
            let why = p.vms.map { ineligibility($0, minimum: p.minResources) ?? "\($0.id) is eligible" }
            return .failure(PlanError(mark: p.mark, path: "participants[\(index)].vms",
                                      message: "participant \(p.name) has no eligible VM: \(why.joined(separator: "; "))"))
        }
        guard let current else { return .success((first.id, "\(first.id) is the first eligible VM")) }
        if eligible.contains(where: { $0.id == current }) { return .success((current, "\(current) is still eligible")) }
        let why = p.vms.first { $0.id == current }.flatMap { ineligibility($0, minimum: p.minResources) }
            ?? "\(current) is no longer in the inventory"
        return .success((first.id, "\(current) → \(first.id) (\(why))"))
    }

    static func fmt(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
}
