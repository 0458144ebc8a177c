import FedSpec

/// One resource a VM has too little of: what it has and what the task needs.
public struct Shortfall: Sendable, Hashable, Codable {
    public enum Dimension: String, Sendable, Hashable, Codable, CaseIterable {
        case vcpu, memory, disk
    }

    public var dimension: Dimension
    public var has: Double
    public var needs: Double

    public init(_ dimension: Dimension, has: Double, needs: Double) {
        self.dimension = dimension
        self.has = has
        self.needs = needs
    }

    /// `1 vCPU < 2`, `2 GiB memory < 4`, `10 GiB disk < 20`.
    public var description: String {
        switch dimension {
        case .vcpu: return "\(Format.number(has)) vCPU < \(Format.number(needs))"
        case .memory: return "\(Format.number(has)) GiB memory < \(Format.number(needs))"
        case .disk: return "\(Format.number(has)) GiB disk < \(Format.number(needs))"
        }
    }

    /// Every dimension in which `resources` falls short of `minimum`, in the order vCPU, memory, disk.
    public static func between(_ resources: Resources, _ minimum: Resources) -> [Shortfall] {
        var short: [Shortfall] = []
        if resources.vcpu < minimum.vcpu { short.append(Shortfall(.vcpu, has: Double(resources.vcpu), needs: Double(minimum.vcpu))) }
        if resources.memoryGiB < minimum.memoryGiB { short.append(Shortfall(.memory, has: resources.memoryGiB, needs: minimum.memoryGiB)) }
        if resources.diskGiB < minimum.diskGiB { short.append(Shortfall(.disk, has: resources.diskGiB, needs: minimum.diskGiB)) }
        return short
    }
}

/// Why a VM cannot take a participant's task. A VM with no `Ineligibility` is eligible.
public enum Ineligibility: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The VM is switched off (state `inactive` in the inventory).
    case inactive(vm: String)
    /// The VM is under the participant's `minResources`.
    case belowMinimum(vm: String, shortfalls: [Shortfall])
    /// The VM meets `minResources` but not the extra requirement of the model being trained.
    case belowModelRequirement(vm: String, shortfalls: [Shortfall])

    public var vm: String {
        switch self {
        case .inactive(let vm), .belowMinimum(let vm, _), .belowModelRequirement(let vm, _): return vm
        }
    }

    /// `vm-003 is inactive`, `vm-005 is below the minimum (1 vCPU < 2, 2 GiB memory < 4, 10 GiB disk < 20)`.
    public var description: String {
        switch self {
        case .inactive(let vm):
            return "\(vm) is inactive"
        case .belowMinimum(let vm, let short):
            return "\(vm) is below the minimum (\(short.map(\.description).joined(separator: ", ")))"
        case .belowModelRequirement(let vm, let short):
            return "\(vm) is below the model's requirement (\(short.map(\.description).joined(separator: ", ")))"
        }
    }
}

/// Which VMs may run a participant's task. A VM is eligible when it is active, meets the
/// participant's `minResources` and, when one is given, the model's own requirement.
public enum Eligibility {
    /// Why `vm` cannot take a task, or nil when it can. Inactivity is reported first; a VM that is
    /// under both the minimum and the model requirement is reported against the minimum.
    public static func check(_ vm: VMSpec, minimum: Resources, model: Resources? = nil) -> Ineligibility? {
        if vm.state != .active { return .inactive(vm: vm.id) }
        let short = Shortfall.between(vm.resources, minimum)
        if !short.isEmpty { return .belowMinimum(vm: vm.id, shortfalls: short) }
        if let model {
            let short = Shortfall.between(vm.resources, model)
            if !short.isEmpty { return .belowModelRequirement(vm: vm.id, shortfalls: short) }
        }
        return nil
    }

    /// The participant's VMs split into the eligible ones and the reasons for the others, both in
    /// inventory order.
    public static func partition(_ participant: ParticipantSpec, model: Resources? = nil)
        -> (eligible: [VMSpec], ineligible: [Ineligibility])
    {
        var eligible: [VMSpec] = []
        var ineligible: [Ineligibility] = []
        for vm in participant.vms {
            if let why = check(vm, minimum: participant.minResources, model: model) {
                ineligible.append(why)
            } else {
                eligible.append(vm)
            }
        }
        return (eligible, ineligible)
    }

    /// What a task of `participant` needs: its minimum raised, dimension by dimension, to the model's
    /// requirement. This is what a runner may check a VM against.
    public static func requirement(_ participant: ParticipantSpec, model: Resources? = nil) -> Resources {
        guard let model else { return participant.minResources }
        let m = participant.minResources
        return Resources(vcpu: max(m.vcpu, model.vcpu), memoryGiB: max(m.memoryGiB, model.memoryGiB),
                         diskGiB: max(m.diskGiB, model.diskGiB))
    }
}
