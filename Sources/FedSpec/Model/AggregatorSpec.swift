public struct AggregatorSpec: Sendable {
    public var candidates: Candidates
    public var requirements: Requirements
    public var weights: Weights
    public var optimizer: OptimizerSettings
    public var mark: SourceMark

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
    }
}

public struct OptimizerSettings: Sendable, Hashable {
    public var population: Int
    public var generations: Int
    public var seed: UInt64

    public static let defaults = OptimizerSettings(population: 100, generations: 200, seed: 7)
}
