@testable import FedAWS
import FedAWSTestSupport
import FedCloud
import FedHTTP
import FedSpec
import Foundation

/// Builds fedplane's AWS pieces against an emulator, with credentials in (test) variables.
struct Emulated {
    static let key = "AKIAFEDPLANETEST0001"
    static let secret = "fedplanetestsecret0000000000000000000001"
    static let federation = "fed-test"

    let emulator: AWSEmulator
    let dir: URL

    init() throws {
        emulator = try AWSEmulator()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func environment(key: String = key, secret: String = secret) -> [String: String] {
        ["FP_KEY": key, "FP_SECRET": secret, "FP_ENDPOINT": emulator.endpoint, "FP_PROXY": emulator.proxyEndpoint]
    }

    /// Fast retries and polling: the tests assert counts and outcomes, never durations.
    func provider(viaProxy: Bool = false, key: String = key, secret: String = secret, retry: FedHTTP.RetryPolicy = FedHTTP.RetryPolicy(maxAttempts: 4, baseDelay: 0.05, maxDelay: 0.2, maxTotal: 20),
                  region: String = "us-east-1") -> AWSProvider {
        var s = AWSProvider.Settings(cloud: "aws", credentials: .env(["FP_KEY", "FP_SECRET"]), endpoint: viaProxy ? "${env:FP_PROXY}" : "${env:FP_ENDPOINT}",
                                     region: region, federation: Self.federation, lineage: { "lineage-1" },
                                     keyDirectory: dir.appendingPathComponent("ssh"), specDirectory: dir, environment: environment(key: key, secret: secret))
        s.retry = retry
        s.pollInterval = 0.05
        s.participantCIDRs = ["10.1.0.0/16"]
        s.operatorCIDRs = ["192.0.2.10/32"]
        return AWSProvider(s)
    }

    static let aggregator = ResourceRequest(address: "aggregator.main", kind: .aggregator,
                                            inputs: ["cloud": "aws", "region": "us-east-1", "instanceType": "t3.medium"])

    /// What exists in the emulator with the federation's tag (curl's own SigV4, not fedplane's).
    func tagged(_ what: String, region: String = "us-east-1") throws -> [String] {
        let filter = "Filter.1.Name=tag%3Afedplane%3Afederation&Filter.1.Value.1=\(Self.federation)"
        switch what {
        case "instances":
            let xml = try XMLNode.parse(try emulator.awsCall(service: "ec2", region: region, "Action=DescribeInstances&Version=2016-11-15&\(filter)&Filter.2.Name=instance-state-name&Filter.2.Value.1=pending&Filter.2.Value.2=running"))
            return EC2.instances(xml).map(\.id)
        case "security-groups":
            let xml = try XMLNode.parse(try emulator.awsCall(service: "ec2", region: region, "Action=DescribeSecurityGroups&Version=2016-11-15&\(filter)"))
            return xml.items("securityGroupInfo").compactMap { $0.field("groupId") }
        default:
            let xml = try XMLNode.parse(try emulator.awsCall(service: "ec2", region: region, "Action=DescribeKeyPairs&Version=2016-11-15&\(filter)"))
            return xml.items("keySet").compactMap { $0.field("keyName") }
        }
    }
}
