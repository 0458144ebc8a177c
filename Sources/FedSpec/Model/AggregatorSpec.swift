public struct AggregatorSpec: Sendable {
    public var candidates: Candidates
    public var requirements: Requirements
    public var weights: Weights
    public var optimizer: OptimizerSettings
    /// What the optimizer minimises (`objectives:`); `PlacementObjective.defaults` when not given.
    public var objectives: [PlacementObjective] = PlacementObjective.defaults
    /// `flat` (one aggregator, the default) or `hierarchical` (regional aggregators under a global one).
    public var topology: Topology = .flat
    /// At most this many regional aggregators (hierarchical only).
    public var maxRegional: Int = Self.defaultMaxRegional
    public var topologyMark: SourceMark? = nil
    /// Hierarchical on an ssh cloud: the host each location group's regional aggregator runs on
    /// (`aggregator.regionalHosts: { <location>: <host> }`, same SSH settings as `host`).
    public var regionalHosts: [RegionalHost] = []
    public var regionalHostsMark: SourceMark? = nil

    public struct RegionalHost: Sendable, Hashable {
        public var location: String
        public var host: String
        public var locationMark: SourceMark
        public var hostMark: SourceMark

        public init(location: String, host: String, locationMark: SourceMark, hostMark: SourceMark) {
            self.location = location
            self.host = host
            self.locationMark = locationMark
            self.hostMark = hostMark
        }
    }

    /// The regional aggregator host for the participants of `location`, if the spec gives one.
    public func regionalHost(location: String) -> String? { regionalHosts.first { $0.location == location }?.host }

    public static let defaultMaxRegional = 3

    public enum Topology: String, Sendable, Hashable, CaseIterable {
        case flat, hierarchical
    }
    /// Where the aggregator listens and how participants reach it.
    public var service: Service
    public var mark: SourceMark

    /// The aggregator service's network settings. On an `ssh` cloud, `host` is the machine it
    /// runs on (reached with the cloud's SSH settings).
    public struct Service: Sendable, Hashable {
        public var host: String?
        /// 0: a free port chosen at provisioning.
        public var port: Int
        /// The address it binds; default all addresses on a remote host, loopback locally.
        public var bind: String?

        public init(host: String? = nil, port: Int = 0, bind: String? = nil) {
            self.host = host
            self.port = port
            self.bind = bind
        }
    }

    public struct Candidates: Sendable {
        public var clouds: [String]
        public var cloudMarks: [SourceMark]
        /// Empty means every region of the candidate clouds.
        public var regions: [String]
        /// Empty means every instance type.
        public var instanceTypes: [String]
    }

    public struct Requirements: Sendable {
        public var maxCost: Money?
        public var maxRoundLatency: TimeSpan?
        public var minVcpu: Int
        public var minMemoryGiB: Double
        /// kg CO2e per run of the aggregator VM.
        public var maxCarbon: CarbonMass? = nil
        /// Bytes per run crossing cloud boundaries.
        public var maxEgress: ByteSize? = nil
    }
}

public struct OptimizerSettings: Sendable, Hashable {
    public var population: Int
    public var generations: Int
    public var seed: UInt64

    public static let defaults = OptimizerSettings(population: 100, generations: 200, seed: 7)
}
