/// Internet egress list prices, USD per GB, first volume tier: what leaving a region for a
/// participant outside the cloud costs. Ingress is free on all three clouds, so only the
/// aggregator's outbound traffic (the global model each round) is charged.
public struct EgressRates: Hashable, Sendable {
    /// Used for a region that has no rate of its own (e.g. one an overlay adds).
    public let perCloudUsdPerGB: [String: Double]
    /// The region's own rate; wins over the cloud's.
    public let perRegionUsdPerGB: [RegionRef: Double]

    public init(perCloudUsdPerGB: [String: Double], perRegionUsdPerGB: [RegionRef: Double]) {
        self.perCloudUsdPerGB = perCloudUsdPerGB
        self.perRegionUsdPerGB = perRegionUsdPerGB
    }

    /// The region's rate, else its cloud's, else nil.
    public func usdPerGB(from region: RegionRef) -> Double? {
        perRegionUsdPerGB[region] ?? perCloudUsdPerGB[region.cloud]
    }
}
