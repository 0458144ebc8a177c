public struct ParticipantSpec: Sendable {
    public var name: String
    public var cloud: String
    /// A catalog region (`aws/us-east-1`) the participant sits near, for latency.
    public var location: String
    public var bandwidth: Bandwidth
    public var data: DataSpec
    public var minResources: Resources
    public var vms: [VMSpec]
    public var mark: SourceMark
    public var cloudMark: SourceMark
    public var locationMark: SourceMark
}

public struct DataSpec: Sendable, Hashable {
    public var path: String?
    public var samples: Int?
}

public struct Resources: Sendable, Hashable {
    public var vcpu: Int
    public var memoryGiB: Double
    public var diskGiB: Double

    public init(vcpu: Int, memoryGiB: Double, diskGiB: Double) {
        self.vcpu = vcpu
        self.memoryGiB = memoryGiB
        self.diskGiB = diskGiB
    }

    /// True when these resources meet `minimum` in every dimension.
    public func satisfies(_ minimum: Resources) -> Bool {
        vcpu >= minimum.vcpu && memoryGiB >= minimum.memoryGiB && diskGiB >= minimum.diskGiB
    }
}

public enum VMState: String, Sendable, Codable, CaseIterable {
    case active, inactive
}

public struct VMSpec: Sendable, Hashable {
    public var id: String
    public var resources: Resources
    public var state: VMState
    public var mark: SourceMark
}
