/// A consistent view of one state file, read in a single read transaction.
public struct StateSnapshot: Sendable, Equatable {
    /// Fixed when the file was created; two snapshots with different lineages are different states.
    public let lineage: String
    /// Bumped once per committed transaction that changed something.
    public let serial: Int
    public let federation: String
    /// Sorted by address.
    public let resources: [Resource]
    /// Sorted by participant.
    public let assignments: [Assignment]
    /// Circular-queue position per participant.
    public let cursors: [String: Int]
    /// The highest training run number ever recorded (0: none). Runs outlive their `run.<n>`
    /// resource (destroy keeps them as history), so a new run is numbered after this one.
    public let lastRun: Int
    /// The newest succeeded run's measured timing (nil: no finished run), for the planner's
    /// duration estimate.
    public var measuredRun: RunTiming? = nil

    public init(
        lineage: String, serial: Int, federation: String, resources: [Resource],
        assignments: [Assignment], cursors: [String: Int], lastRun: Int = 0
    ) {
        self.lastRun = lastRun
        self.lineage = lineage
        self.serial = serial
        self.federation = federation
        self.resources = resources
        self.assignments = assignments
        self.cursors = cursors
    }

    /// Binary search: `resources` is sorted by address (SQLite's BINARY collation = byte order,
    /// which matches Swift's `<` on UTF-8 strings for the ASCII addresses fedplane uses).
    public func resource(at address: String) -> Resource? {
        var low = 0
        var high = resources.count
        while low < high {
            let mid = (low + high) / 2
            if resources[mid].address < address { low = mid + 1 } else { high = mid }
        }
        return low < resources.count && resources[low].address == address ? resources[low] : nil
    }
}
