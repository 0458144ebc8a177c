/// A validated federation spec. Every entity keeps the position it was written at, so later
/// stages (plan, apply) can point users back to the line that caused a problem.
public struct Spec: Sendable {
    public static let apiVersion = "fedplane/v1"
    public static let kind = "Federation"

    public var file: String
    public var metadata: Metadata
    public var clouds: [CloudSpec]
    public var aggregator: AggregatorSpec
    public var participants: [ParticipantSpec]
    public var training: TrainingSpec
    public var models: ModelsSpec
    public var policy: Policy
    /// A catalog file that adds to or overrides the bundled catalog, relative to the spec.
    public var catalogFile: String?
    /// Where the state lives (nil: `.fedplane/<name>.db` next to the spec).
    public var state: StateSpec? = nil

    public func cloud(named name: String) -> CloudSpec? { clouds.first { $0.name == name } }

    /// Every participant's declared networks, once each, sorted: what an aggregator fedplane
    /// makes in a public cloud admits its port from.
    public var participantNetworks: [String] { Array(Set(participants.flatMap(\.networks))).sorted() }
}

public struct Metadata: Sendable {
    public var name: String
    public var labels: [String: String]
    public var mark: SourceMark
}

/// Exceptions to the trust-boundary rules, stated on purpose.
public struct Policy: Sendable {
    /// Allow the aggregator on a private cloud (e.g. everything on the local provider).
    public var allowPrivateAggregator = false
    /// Allow participants on public-cloud providers.
    public var allowPublicParticipants = false

    public init() {}
}
