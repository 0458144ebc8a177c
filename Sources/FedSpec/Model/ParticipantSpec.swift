public struct ParticipantSpec: Sendable {
    public var name: String
    public var cloud: String
    /// A catalog region (`aws/us-east-1`) the participant sits near, for latency.
    public var location: String
    public var bandwidth: Bandwidth
    public var data: DataSpec
    public var minResources: Resources
    public var vms: [VMSpec]
    /// The networks (CIDRs) this participant's traffic to the aggregator comes from: an
    /// aggregator fedplane makes in a public cloud admits its port from these only.
    public var networks: [String] = []
    public var mark: SourceMark
    public var cloudMark: SourceMark
    public var locationMark: SourceMark
}

/// Where a participant's data is. `path` is a CSV file **on the participant's host** (read there,
/// never copied off it) with a header row, numeric feature columns and a `label` column; without
/// a path the participant uses its share of the built-in WDBC demo data.
public struct DataSpec: Sendable, Hashable {
    public var path: String?
    public var samples: Int?
    /// The label column's name (default `label`).
    public var label: String?

    public init(path: String? = nil, samples: Int? = nil, label: String? = nil) {
        self.path = path
        self.samples = samples
        self.label = label
    }
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
    /// On an `ssh` cloud: the host's address or name, and overrides of the cloud's settings.
    public var host: String?
    public var port: Int?
    public var user: String?
    public var workdir: String?
    public var mark: SourceMark

    public init(id: String, resources: Resources, state: VMState, host: String? = nil, port: Int? = nil,
                user: String? = nil, workdir: String? = nil, mark: SourceMark) {
        self.id = id
        self.resources = resources
        self.state = state
        self.host = host
        self.port = port
        self.user = user
        self.workdir = workdir
        self.mark = mark
    }
}
