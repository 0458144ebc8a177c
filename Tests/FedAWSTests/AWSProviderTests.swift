@testable import FedAWS
import FedAWSTestSupport
import FedCloud
import Foundation
import Testing

/// The AWS provider against a real moto_server: the aggregator's whole life, and the faults
/// moto cannot make itself, injected by the proxy in front of it.
@Suite(.serialized) struct AWSProviderTests {
    @Test func aggregatorLifecycle() throws {
        let e = try Emulated()
        let p = e.provider()
        let made = try p.create(Emulated.aggregator)
        #expect(made.providerID.hasPrefix("i-"))
        #expect(made.attributes["state"]?.stringValue == "running")
        #expect(made.attributes["port"]?.numberValue == 8443)
        #expect(try e.tagged("instances") == [made.providerID])
        #expect(try e.tagged("security-groups").count == 1)
        #expect(try e.tagged("key-pairs") == ["fedplane-fed-test-aggregator-main"])
        // The private key stays here, 0600; AWS has only the public half.
        let key = p.keyFile("aggregator.main").path
        let mode = (try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)

        // The instance carries the federation, address and lineage tags.
        let described = try XMLNode.parse(try e.emulator.awsCall(service: "ec2", "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=\(made.providerID)"))
        let tags = try #require(EC2.instances(described).first).tags
        #expect(tags["fedplane:federation"] == Emulated.federation && tags["fedplane:address"] == "aggregator.main" && tags["fedplane:lineage"] == "lineage-1")

        // The security group opens the aggregator's port to the participants and the operator
        // (whose fedplane drives the rounds), and SSH to the operator, nothing else.
        let groups = try XMLNode.parse(try e.emulator.awsCall(service: "ec2", "Action=DescribeSecurityGroups&Version=2016-11-15&Filter.1.Name=tag%3Afedplane%3Afederation&Filter.1.Value.1=\(Emulated.federation)"))
        let rules = (groups.items("securityGroupInfo").first?.children.first { $0.name == "ipPermissions" }?.children("item") ?? [])
            .map { "\($0.field("fromPort") ?? "")>\($0.items("ipRanges").compactMap { $0.field("cidrIp") }.joined(separator: ","))" }.sorted()
        #expect(rules == ["22>192.0.2.10/32", "8443>10.1.0.0/16,192.0.2.10/32"])

        // Create again (a retried apply): adopts, no second instance.
        #expect(try p.create(Emulated.aggregator).providerID == made.providerID)
        #expect(try e.tagged("instances").count == 1)
        #expect(try p.read(address: "aggregator.main", kind: .aggregator)?.providerID == made.providerID)

        try p.delete(address: "aggregator.main", kind: .aggregator)
        #expect(try p.read(address: "aggregator.main", kind: .aggregator) == nil)
        #expect(try e.tagged("instances").isEmpty && e.tagged("security-groups").isEmpty && e.tagged("key-pairs").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: key))
        // Deleting what is gone succeeds.
        try p.delete(address: "aggregator.main", kind: .aggregator)
    }

    /// A regional aggregator (hierarchical topology) in another region than the global one: a VM,
    /// key pair and security group of its own, its firewall from its request (the networks of
    /// the participants it serves), and it is read and deleted in its own region.
    @Test func aRegionalAggregatorHasItsOwnVMFirewallAndRegion() throws {
        let e = try Emulated()
        let global = try e.provider().create(Emulated.aggregator)
        let request = ResourceRequest(address: "aggregator.regional.1", kind: .aggregator,
                                      inputs: ["cloud": "aws", "region": "eu-west-1", "instanceType": "t3.medium",
                                               "participantNetworks": ["10.9.0.0/16"], "operatorNetworks": ["192.0.2.10/32"]])
        let made = try e.provider().create(request)
        #expect(made.providerID != global.providerID)
        #expect(made.attributes["region"]?.stringValue == "eu-west-1")
        #expect(made.attributes["workdir"]?.stringValue?.hasSuffix("/fed-test/aggregator-regional-1") == true, "\(made.attributes)")
        // What the global aggregator's firewall admits for it: its own address.
        let ip = try #require(made.attributes["publicIp"]?.stringValue)
        #expect(made.attributes["hostCidr"]?.stringValue == "\(ip)/32")
        #expect(try e.tagged("instances", region: "eu-west-1") == [made.providerID])
        #expect(try e.tagged("key-pairs", region: "eu-west-1") == ["fedplane-fed-test-aggregator-regional-1"])
        let groups = try XMLNode.parse(try e.emulator.awsCall(service: "ec2", region: "eu-west-1", "Action=DescribeSecurityGroups&Version=2016-11-15&Filter.1.Name=tag%3Afedplane%3Aaddress&Filter.1.Value.1=aggregator.regional.1"))
        let rules = (groups.items("securityGroupInfo").first?.children.first { $0.name == "ipPermissions" }?.children("item") ?? [])
            .map { "\($0.field("fromPort") ?? "")>\($0.items("ipRanges").compactMap { $0.field("cidrIp") }.joined(separator: ","))" }.sorted()
        #expect(rules == ["22>192.0.2.10/32", "8443>10.9.0.0/16,192.0.2.10/32"])
        // Its SSH machine uses its own key.
        let host = try #require(e.provider().aggregatorHost(address: "aggregator.regional.1", observed: made.attributes))
        #expect(host.machine.target.identityFile == e.provider().keyFile("aggregator.regional.1").path)
        #expect(host.directory.hasSuffix("/aggregator-regional-1"))

        // A provider whose default region is the global one's finds it by the recorded region.
        var settings = e.provider().settings
        #expect(try AWSProvider(settings).read(address: "aggregator.regional.1", kind: .aggregator) == nil)
        settings.recordedRegions = ["aggregator.regional.1": "eu-west-1"]
        let p = AWSProvider(settings)
        #expect(try p.read(address: "aggregator.regional.1", kind: .aggregator)?.providerID == made.providerID)
        try p.delete(address: "aggregator.regional.1", kind: .aggregator)
        #expect(try e.tagged("instances", region: "eu-west-1").isEmpty && e.tagged("security-groups", region: "eu-west-1").isEmpty)
        #expect(try e.tagged("instances") == [global.providerID])
        try p.delete(address: "aggregator.main", kind: .aggregator)
    }

    @Test func terminatedBehindOurBackReadsAsGone() throws {
        let e = try Emulated()
        let p = e.provider()
        let made = try p.create(Emulated.aggregator)
        _ = try e.emulator.awsCall(service: "ec2", "Action=TerminateInstances&Version=2016-11-15&InstanceId.1=\(made.providerID)")
        #expect(try p.read(address: "aggregator.main", kind: .aggregator) == nil)
        let again = try p.create(Emulated.aggregator)
        #expect(again.providerID != made.providerID)
        #expect(try e.tagged("instances") == [again.providerID])
    }

    @Test func cloudIsVerifiedAndRecordedWithoutTheKey() throws {
        let e = try Emulated()
        let seen = try e.provider().create(ResourceRequest(address: "cloud.aws", kind: .cloud, inputs: ["provider": "aws"]))
        #expect(seen.attributes["account"]?.stringValue == "123456789012")
        #expect(seen.attributes["credentialsFingerprint"]?.stringValue?.hasPrefix("sha256:") == true)
        #expect(!seen.attributes.canonical.contains(Emulated.secret) && !seen.attributes.canonical.contains(Emulated.key))
    }

    // MARK: faults through the proxy

    @Test func serviceUnavailableTwiceThenSuccessMakesExactlyOneInstance() throws {
        let e = try Emulated()
        try e.emulator.inject(.status("RunInstances", 503, code: "ServiceUnavailable", times: 2))
        let made = try e.provider(viaProxy: true).create(Emulated.aggregator)
        #expect(try e.tagged("instances") == [made.providerID])
        #expect(try e.emulator.counts()["RunInstances"] == 3)
    }

    @Test func throttlingPastTheBudgetIsAClearErrorAndTheNextCreateFinishes() throws {
        let e = try Emulated()
        try e.emulator.inject(.status("RunInstances", 400, code: "RequestLimitExceeded", times: 4, retryAfter: 0))
        let p = e.provider(viaProxy: true)
        do {
            _ = try p.create(Emulated.aggregator)
            Issue.record("created through four throttled answers with a budget of four attempts")
        } catch {
            #expect(error.operation == "ec2 RunInstances" && error.retryable)
            #expect(error.message.hasPrefix("ec2 RunInstances: HTTP 400 RequestLimitExceeded: injected by the test proxy (request id fault-RunInstances-4) after 4 attempts"), "\(error.message)")
        }
        #expect(try e.tagged("instances").isEmpty)
        let made = try p.create(Emulated.aggregator)
        #expect(try e.tagged("instances") == [made.providerID])
    }

    /// moto launches the instance, the answer never arrives: the retry finds it by tag instead
    /// of launching a second one (moto ignores ClientToken, as the notes say).
    @Test func droppedAnswerToRunInstancesMakesNoDuplicate() throws {
        let e = try Emulated()
        try e.emulator.inject(.dropAfterForwarding("RunInstances"))
        let made = try e.provider(viaProxy: true).create(Emulated.aggregator)
        #expect(try e.tagged("instances") == [made.providerID])
        #expect(try e.emulator.counts()["RunInstances"] == 1)
    }

    @Test func otherClientErrorsFailAtOnce() throws {
        let e = try Emulated()
        try e.emulator.inject(.status("RunInstances", 400, code: "InvalidParameterValue", times: 1))
        do {
            _ = try e.provider(viaProxy: true).create(Emulated.aggregator)
            Issue.record("a 400 InvalidParameterValue was retried into success")
        } catch {
            #expect(!error.retryable && error.message.contains("InvalidParameterValue") && !error.message.contains("attempts"))
        }
        #expect(try e.emulator.counts()["RunInstances"] == 1)
    }
}
