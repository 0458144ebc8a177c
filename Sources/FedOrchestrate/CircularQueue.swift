import FedSpec

/// A participant's eligible VMs in inventory order, served round-robin so successive tasks do not
/// pile onto the first VM.
///
/// **The cursor** is an *inventory position*: the index in `participant.vms` (all VMs, any state)
/// at which the search for the next VM starts. `next` serves the first eligible, non-skipped VM at
/// or after the cursor, wrapping around, and returns the position just after it (modulo the
/// inventory size) as the new cursor. The caller persists that integer (FedState's
/// `queue_cursors`) and builds a new queue from it next time, which continues the rotation.
///
/// Because the cursor counts inventory positions rather than eligible VMs, VMs that go inactive
/// or come back never shift it: a recovered VM rejoins at its inventory position and is served
/// when the rotation reaches it. A saved cursor is read modulo the current inventory size, so it
/// stays usable after VMs are added to or removed from the spec; an edit before the cursor's
/// position moves the rotation by at most one VM (one VM may be served twice in a row or skipped
/// once), never off the end.
public struct CircularQueue: Sendable, Hashable {
    /// An eligible VM and its index in the participant's inventory.
    public struct Entry: Sendable, Hashable {
        public var position: Int
        public var vm: VMSpec
    }

    /// Eligible VMs in inventory order.
    public let entries: [Entry]
    /// How many VMs the inventory holds, eligible or not.
    public let inventorySize: Int
    /// Where the next search starts, always in `0..<max(inventorySize, 1)`.
    public private(set) var cursor: Int

    /// A queue over `inventory`, keeping the VMs `isEligible` accepts.
    public init(inventory: [VMSpec], cursor: Int, isEligible: (VMSpec) -> Bool) {
        entries = inventory.enumerated().filter { isEligible($0.element) }.map { Entry(position: $0.offset, vm: $0.element) }
        inventorySize = inventory.count
        self.cursor = Self.normalise(cursor, inventorySize)
    }

    /// The queue of `participant`'s eligible VMs (see `Eligibility`), resuming at a saved cursor.
    public init(participant: ParticipantSpec, model: Resources? = nil, cursor: Int = 0) {
        self.init(inventory: participant.vms, cursor: cursor) {
            Eligibility.check($0, minimum: participant.minResources, model: model) == nil
        }
    }

    public var eligible: [VMSpec] { entries.map(\.vm) }

    /// The VM the next task goes to and the cursor to keep after it, skipping the VMs whose ids are
    /// in `skipping`; nil when no eligible VM is left. Does not change the queue.
    public func next(skipping: Set<String> = []) -> (vm: VMSpec, cursor: Int)? {
        let candidates = entries.filter { !skipping.contains($0.vm.id) }
        guard let chosen = candidates.first(where: { $0.position >= cursor }) ?? candidates.first else { return nil }
        return (chosen.vm, (chosen.position + 1) % inventorySize)
    }

    /// `next(skipping:)`, moving this queue's cursor past the VM it returns.
    public mutating func take(skipping: Set<String> = []) -> VMSpec? {
        guard let (vm, cursor) = next(skipping: skipping) else { return nil }
        self.cursor = cursor
        return vm
    }

    static func normalise(_ cursor: Int, _ size: Int) -> Int {
        guard size > 0 else { return 0 }
        let r = cursor % size
        return r < 0 ? r + size : r
    }
}
