import FedOrchestrate
import FedSpec

/// Which VM a participant's task is assigned to in the plan. The current assignment is kept while
/// its VM stays eligible (active, above the minimum) and healthy; otherwise the participant's
/// circular queue, resumed at its saved cursor, names the next usable VM. So an assignment only
/// changes for a reason the plan prints.
public enum VMSelection {
    /// - Parameters:
    ///   - health: VM id → why its health probe failed (absent: healthy or not yet provisioned).
    public static func choose(_ p: ParticipantSpec, index: Int, current: String?, cursor: Int,
                              health: [String: String]) -> Result<(vm: String, reason: String), PlanError> {
        let ineligible = Dictionary(Eligibility.partition(p).ineligible.map { ($0.vm, $0.description) }, uniquingKeysWith: { a, _ in a })
        func problem(_ id: String) -> String? {
            ineligible[id] ?? health[id].map { "\(id) failed its health probe: \($0)" }
        }
        if let current, p.vms.contains(where: { $0.id == current }), problem(current) == nil {
            return .success((current, "\(current) is still eligible and healthy"))
        }
        let queue = CircularQueue(inventory: p.vms, cursor: cursor) { problem($0.id) == nil }
        guard let (next, _) = queue.next() else {
            let why = p.vms.map { problem($0.id) ?? "\($0.id) is eligible" }
            return .failure(PlanError(mark: p.mark, path: "participants[\(index)].vms",
                                      message: "participant \(p.name) has no eligible VM: \(why.joined(separator: "; "))"))
        }
        // Say why VMs that failed their probe were passed over (an unreachable host, a changed host key).
        let passedOver = p.vms.filter { $0.id != next.id && ineligible[$0.id] == nil }.compactMap { vm in health[vm.id].map { "\(vm.id): \($0)" } }
        let skipped = passedOver.isEmpty ? "" : " (passed over: \(passedOver.joined(separator: "; ")))"
        guard let current else { return .success((next.id, "\(next.id) is next in the participant's circular queue" + skipped)) }
        let why = problem(current) ?? "\(current) is no longer in the inventory"
        return .success((next.id, "\(current) → \(next.id) (\(why))"))
    }
}
