import FedDigest

/// Where a recorded aggregator runs when that is a machine fedplane reaches over SSH (an `ssh`
/// cloud's aggregator host, a VM fedplane made in a public cloud): the runtime starts the
/// service there the same way, whichever provider made the machine.
public struct AggregatorHost: Sendable {
    public var machine: SSHProvider.Machine
    /// The aggregator's own directory, and the federation's (where the binary is installed).
    public var directory: String
    public var federationDirectory: String

    public init(machine: SSHProvider.Machine, directory: String, federationDirectory: String) {
        self.machine = machine
        self.directory = directory
        self.federationDirectory = federationDirectory
    }
}

public protocol AggregatorHosting {
    /// The machine of the aggregator recorded with these observed attributes; nil when this
    /// provider's aggregator is not an SSH machine (or the record names none).
    func aggregatorHost(observed: JSONValue) -> AggregatorHost?
}

extension SSHProvider: AggregatorHosting {
    public func aggregatorHost(observed: JSONValue) -> AggregatorHost? {
        aggregator.map { AggregatorHost(machine: $0, directory: aggregatorDirectory($0), federationDirectory: federationDirectory($0)) }
    }
}
