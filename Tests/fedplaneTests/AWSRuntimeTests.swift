import FedAWSTestSupport
import Foundation
import Testing
import FedTestSupport

/// An aggregator placed on AWS, end to end: the EC2 instance is made through the emulator, and
/// the "VM" behind the address the emulator reports is a testbed host (a network namespace
/// given that address, with its own sshd, authorising the key fedplane imported) — so the
/// runtime's SSH path really starts the aggregator there and the local participants train
/// against it over mutual TLS.
@Suite(.serialized) struct AWSRuntimeTests {
    static let keyID = "AKIAFEDPLANERUNTIME01"
    static let secret = "CANARYawsruntime00000000000000000000007"

    static func spec(networks: String) -> String {
        func participant(_ name: String, _ location: String) -> String {
            """
              - name: \(name)
                cloud: site
                location: \(location)
                networks: [\(networks)]
                minResources: { vcpu: 1, memoryGiB: 0.5, diskGiB: 0.1 }
                vms:
                  - { id: vm-001, vcpu: 2, memoryGiB: 4, diskGiB: 20, state: active }

            """
        }
        return """
        apiVersion: fedplane/v1
        kind: Federation
        metadata: { name: quickstart }
        clouds:
          aws:
            provider: aws
            credentials: { env: [TEST_AWS_KEY_ID, TEST_AWS_SECRET] }
            endpoint: "${env:FEDPLANE_AWS_ENDPOINT}"
            ssh: { user: root, allowFrom: [10.77.0.0/16] }
          site: { provider: local }
        aggregator:
          candidates: { clouds: [aws], regions: [us-east-1] }
        participants:
        \(participant("hospital-a", "aws/us-east-1"))\(participant("hospital-b", "aws/us-east-2"))
        training:
          trainer: { builtin: logistic }
          rounds: 2
          epochs: 2
          batchSize: 32
          learningRate: 0.2
          minParticipants: 2
          retry: { attempts: 2, taskTimeout: 60s }
          roundDeadline: 120s
        """
    }

    /// The ingress rules of the federation's security group (of `address`'s, when given): port → CIDRs.
    static func ingress(_ emulator: AWSEmulator, address: String? = nil) throws -> [Int: Set<String>] {
        let byAddress = address.map { "&Filter.2.Name=tag%3Afedplane%3Aaddress&Filter.2.Value.1=\($0)" } ?? ""
        let xml = try emulator.awsCall(service: "ec2", region: "us-east-1", "Action=DescribeSecurityGroups&Version=2016-11-15&Filter.1.Name=tag%3Afedplane%3Afederation&Filter.1.Value.1=quickstart" + byAddress)
        var out: [Int: Set<String>] = [:]
        let permissions = xml.components(separatedBy: "<ipPermissions>").dropFirst().first?.components(separatedBy: "</ipPermissions>").first ?? ""
        for item in permissions.components(separatedBy: "<fromPort>").dropFirst() {
            guard let port = Int(item.prefix { $0.isNumber }) else { continue }
            for c in item.components(separatedBy: "<cidrIp>").dropFirst() {
                out[port, default: []].insert(String(c.prefix { $0 != "<" }))
            }
        }
        return out
    }

    @Test func anAggregatorOnAnEC2InstanceTrainsTheFederation() async throws { try await offPool { try Self().body() } }
    func body() throws {
        let emulator = try AWSEmulator()
        defer { emulator.stop() }
        try Testbed.withTestbed(["vm"]) { bed in
            let fed = try Federation(Self.spec(networks: "10.77.0.0/16"))
            let aws = EmulatedAWS(fed, emulator: emulator, keyID: Self.keyID, secret: Self.secret)
            func run(_ args: [String]) throws -> CLI.Output { try aws.run(args) }

            // Before the VM exists the plan names its address by reference.
            let plan = try run(["plan"])
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(plan.stdout.contains("${aggregator.main.host}"), "\(plan.stdout)")

            // The instance, and the server certificate naming the address AWS gave it.
            let cloud = try run(["apply", "--auto-approve", "--target", "certificate.aggregator"])
            #expect(cloud.status == 0, "\(cloud.stdout)\(cloud.stderr)")
            let observed = try fed.sql("select json_extract(attributes, '$.observed.host') from resources where address = 'aggregator.main'")
            #expect(!observed.isEmpty && observed != "None")
            let names = try fed.sql("select json_extract(attributes, '$.inputs.addresses') from resources where address = 'certificate.aggregator'")
            #expect(names.contains(observed), "certificate names \(names), the VM is \(observed)")
            let settled = try run(["plan", "--target", "certificate.aggregator", "--detailed-exitcode"])
            #expect(settled.status == 0 && settled.stdout.contains("No changes."), "\(settled.stdout)\(settled.stderr)")
            #expect(try Self.ingress(emulator) == [8443: ["10.77.0.0/16"], 22: ["10.77.0.0/16"]])

            // The "VM" appears at that address, authorising the key fedplane imported for it.
            try bed.addAddress(bed["vm"], observed)
            let keyDir = fed.dir.url.appendingPathComponent(".fedplane/quickstart-ssh")
            let publicKey = try String(contentsOf: keyDir.appendingPathComponent("fedplane-quickstart-aggregator-main.pub"), encoding: .utf8)
            try bed.authorize(publicKey: publicKey)

            let apply = try run(["apply", "--auto-approve"])
            #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)")
            #expect(try fed.sql("select count(*) from rounds") == "2")
            #expect(try fed.sql("select status from runs") == "succeeded")
            // The aggregator ran on the VM, whose host key is now recorded beside the state.
            let log = bed["vm"].directory.appendingPathComponent(".fedplane/quickstart/aggregator/aggregator.log")
            #expect(FileManager.default.fileExists(atPath: log.path), "no aggregator log on the VM")
            let known = Testbed.exec("/usr/bin/env", ["ssh-keygen", "-F", observed, "-f", keyDir.appendingPathComponent("known_hosts").path])
            #expect(known.status == 0 && known.stdout.contains("ssh-ed25519"), "known_hosts has no key for \(observed): \(known.stdout)\(known.stderr)")
            #expect(Testbed.processesOf(namespace: bed["vm"].namespace, matching: "fedplane").isEmpty, "the aggregator outlived the run")

            // A participant network changes: the firewall is updated in place, the VM kept.
            try fed.editSpec { $0.replacingOccurrences(of: "networks: [10.77.0.0/16]", with: "networks: [10.77.0.0/16, 198.51.100.0/24]") }
            let widen = try run(["plan", "--target", "aggregator.main"])
            #expect(widen.stdout.contains("~ aggregator.main") && !widen.stdout.contains("-/+ aggregator.main"), "\(widen.stdout)")
            #expect(try run(["apply", "--auto-approve", "--target", "aggregator.main"]).status == 0)
            #expect(try Self.ingress(emulator)[8443] == ["10.77.0.0/16", "198.51.100.0/24"])

            // A state written before providers were made per cloud names the kind only: it is
            // the spec's one aws cloud's.
            #expect(try fed.sql("select provider from resources where address = 'aggregator.main'") == "aws.aws")
            _ = try fed.sql("update resources set provider = 'aws' where provider = 'aws.aws'")
            let legacy = try run(["plan", "--target", "aggregator.main", "--detailed-exitcode"])
            #expect(legacy.status == 0 && legacy.stdout.contains("No changes."), "\(legacy.stdout)\(legacy.stderr)")

            let destroy = try run(["destroy", "--auto-approve"])
            #expect(destroy.status == 0, "\(destroy.stderr)")
            let left = try emulator.awsCall(service: "ec2", region: "us-east-1", "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3Afedplane%3Afederation&Filter.1.Value.1=quickstart&Filter.2.Name=instance-state-name&Filter.2.Value.1=running")
            #expect(!left.contains("<instanceId>"), "an instance is still running")
            for o in aws.outputs { #expect(!o.contains(Self.secret)) }
        }
    }

    /// An aggregator moved to another aws cloud (and region) is deleted through the provider it
    /// was recorded with, which knows its region: the old instance does not keep running.
    @Test func anAggregatorMovedToAnotherAWSCloudLeavesNoInstanceBehind() async throws { try await offPool { try Self().moveBody() } }
    func moveBody() throws {
        let emulator = try AWSEmulator()
        defer { emulator.stop() }
        let west = "  aws-west:\n    provider: aws\n    credentials: { env: [TEST_AWS_KEY_ID, TEST_AWS_SECRET] }\n    endpoint: \"${env:FEDPLANE_AWS_ENDPOINT}\"\n"
        let text = Self.spec(networks: "10.77.0.0/16")
            .replacingOccurrences(of: "\n  aws:\n", with: "\n" + west + "  aws:\n")
            .replacingOccurrences(of: "candidates: { clouds: [aws], regions: [us-east-1] }", with: "candidates: { clouds: [aws-west], regions: [eu-west-1] }")
        let fed = try Federation(text)
        let aws = EmulatedAWS(fed, emulator: emulator, keyID: Self.keyID, secret: Self.secret)
        func running(_ region: String) throws -> Int {
            let xml = try emulator.awsCall(service: "ec2", region: region, "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3Afedplane%3Afederation&Filter.1.Value.1=quickstart&Filter.2.Name=instance-state-name&Filter.2.Value.1=running&Filter.2.Value.2=pending")
            return xml.components(separatedBy: "<instanceId>").count - 1
        }
        let first = try aws.run(["apply", "--auto-approve", "--target", "aggregator.main"])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(try running("eu-west-1") == 1 && running("us-east-1") == 0)

        try fed.editSpec { $0.replacingOccurrences(of: "candidates: { clouds: [aws-west], regions: [eu-west-1] }", with: "candidates: { clouds: [aws], regions: [us-east-1] }") }
        let moved = try aws.run(["apply", "--auto-approve", "--target", "aggregator.main"])
        #expect(moved.status == 0 && moved.stdout.contains("1 replaced"), "\(moved.stdout)\(moved.stderr)")
        #expect(try running("eu-west-1") == 0, "the aggregator's old instance still runs in eu-west-1")
        #expect(try running("us-east-1") == 1)
        #expect(try fed.sql("select provider from resources where address = 'aggregator.main'") == "aws.aws")
        #expect(try aws.run(["destroy", "--auto-approve"]).status == 0)
        #expect(try running("us-east-1") == 0)
        for o in aws.outputs { #expect(!o.contains(Self.secret)) }
    }

    /// Each aws cloud has its own provider, credentials and endpoint: an aggregator placed on the
    /// second aws cloud is made with that cloud's credentials (the first one's are not even set).
    @Test func theSecondAWSCloudUsesItsOwnProvider() async throws { try await offPool { try Self().secondCloudBody() } }
    func secondCloudBody() throws {
        let emulator = try AWSEmulator()
        defer { emulator.stop() }
        let text = Self.spec(networks: "10.77.0.0/16")
            .replacingOccurrences(of: "          aws:\n", with: """
                      aws-east: { provider: aws, credentials: { env: [UNSET_EAST_KEY, UNSET_EAST_SECRET] } }
                      aws:

            """)
        let fed = try Federation(text)
        let aws = EmulatedAWS(fed, emulator: emulator, keyID: Self.keyID, secret: Self.secret)
        let apply = try aws.run(["apply", "--auto-approve", "--target", "aggregator.main"])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(try fed.sql("select address, provider from resources order by address") == "aggregator.main|aws.aws\ncloud.aws|aws.aws")
        #expect(try fed.sql("select json_extract(attributes, '$.observed.arn') from resources where address = 'cloud.aws'").hasPrefix("arn:aws:"))
        #expect(try aws.run(["destroy", "--auto-approve"]).status == 0)
        for o in aws.outputs { #expect(!o.contains(Self.secret)) }
    }
}

