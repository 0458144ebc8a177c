/// A VM shape of one cloud. Its size is the same in every region; prices are per region (`Offer`).
public struct InstanceType: Hashable, Sendable, Codable, CustomStringConvertible {
    public let cloud: String
    public let name: String
    public let vcpu: Int
    public let memoryGiB: Double

    public init(cloud: String, name: String, vcpu: Int, memoryGiB: Double) {
        self.cloud = cloud
        self.name = name
        self.vcpu = vcpu
        self.memoryGiB = memoryGiB
    }

    public var description: String { "\(cloud)/\(name) (\(vcpu) vCPU, \(memoryGiB) GiB)" }
}

/// An instance type for sale in one region: Linux, pay-as-you-go list price, no discounts.
public struct Offer: Hashable, Sendable, Codable {
    public let region: RegionRef
    public let type: InstanceType
    public let usdPerHour: Double
    /// A point-in-time spot price (the region's cheapest zone); indicative only, nil when unknown.
    public let spotUsdPerHour: Double?

    public init(region: RegionRef, type: InstanceType, usdPerHour: Double, spotUsdPerHour: Double? = nil) {
        self.region = region
        self.type = type
        self.usdPerHour = usdPerHour
        self.spotUsdPerHour = spotUsdPerHour
    }
}
