import FedAWSTestSupport
import Foundation
import Testing
import FedTestSupport

/// A hierarchical federation on AWS, end to end (issue 16): the global aggregator and two
/// regional ones are EC2 instances made through the emulator, each "VM" a testbed host given the
/// address the emulator reports (its own sshd, authorising the key fedplane imported for that
/// instance). The regional aggregators post to the global one across the bridge, as VMs of one
/// cloud reach each other's public addresses; the participants train on this machine.
@Suite(.serialized) struct AWSHierarchicalTests {
    static let keyID = "AKIAFEDPLANEHIER0001"
    static let secret = "CANARYquickstart0000000000000000000000000011"

    /// Six hospitals next to us-east-1, one instance type, latency only, a model of 4 GB as far
    /// as the planner knows: aggregating six updates on one 2-vCPU VM is slower than two
    /// regional aggregators of three each in parallel, so the optimizer chooses two.
    static func spec(operatorCIDR: String) -> String {
        let participants = "abcdef".map { c in
            """
              - name: hospital-\(c)
                cloud: site
                location: aws/us-east-1
                networks: [10.77.0.0/16]
                minResources: { vcpu: 1, memoryGiB: 0.5, diskGiB: 0.1 }
                vms:
                  - { id: vm-001, vcpu: 2, memoryGiB: 4, diskGiB: 20, state: active }

            """
        }.joined()
        return """
        apiVersion: fedplane/v1
        kind: Federation
        metadata: { name: quickstart }
        clouds:
          aws:
            provider: aws
            credentials: { env: [TEST_AWS_KEY_ID, TEST_AWS_SECRET] }
            endpoint: "${env:FEDPLANE_AWS_ENDPOINT}"
            ssh: { user: root, allowFrom: [\(operatorCIDR)] }
          site: { provider: local }
        aggregator:
          candidates: { clouds: [aws], regions: [us-east-1], instanceTypes: [t3.medium] }
          topology: hierarchical
          maxRegional: 2
          objectives: [latency]
        participants:
        \(participants)
        training:
          trainer: { builtin: logistic }
          model: { size: 4GB }
          rounds: 2
          epochs: 2
          batchSize: 32
          learningRate: 0.2
          minParticipants: 4
          retry: { attempts: 2, taskTimeout: 60s }
          roundDeadline: 120s
        """
    }

    static func ingress(_ emulator: AWSEmulator, address: String) throws -> [Int: Set<String>] {
        try AWSRuntimeTests.ingress(emulator, address: address)
    }

    @Test func regionalAggregatorsOnTheirOwnInstancesTrainTheFederation() async throws { try await offPool { try Self().body() } }
    func body() throws {
        let emulator = try AWSEmulator()
        defer { emulator.stop() }
        try Testbed.withTestbed(["global", "regional-1", "regional-2"]) { bed in
            let operatorCIDR = "\(bed.bridgeAddress)/32"
            let fed = try Federation(Self.spec(operatorCIDR: operatorCIDR))
            let aws = EmulatedAWS(fed, emulator: emulator, keyID: Self.keyID, secret: Self.secret)
            func run(_ args: [String]) throws -> CLI.Output { try aws.run(args) }

            // Before the VMs exist, the global firewall and the certificates name them by reference.
            let plan = try run(["plan"])
            #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
            for ref in ["${aggregator.regional.1.hostCidr}", "${aggregator.regional.1.host}",
                        "${aggregator.regional.2.host}", "${aggregator.main.host}"] {
                #expect(plan.stdout.contains(ref), "no \(ref) in \(plan.stdout)")
            }
            #expect(plan.stdout.contains("+ aggregator.regional.1") && plan.stdout.contains("+ aggregator.regional.2"), "\(plan.stdout)")

            // The VMs and the certificates naming the addresses AWS gave them. The regional
            // VMs are made before the global one, whose firewall admits their addresses.
            let made = try run(["apply", "--auto-approve", "--target", "certificate.aggregator",
                                "--target", "certificate.regional-1", "--target", "certificate.regional-2"])
            #expect(made.status == 0, "\(made.stdout)\(made.stderr)")
            let order = ["aggregator.regional.1", "aggregator.regional.2", "aggregator.main"].compactMap { made.stderr.range(of: "\($0): creating")?.lowerBound }
            #expect(order.count == 3 && order == order.sorted(), "\(made.stderr)")
            var hosts: [String: String] = [:]
            for address in ["aggregator.main", "aggregator.regional.1", "aggregator.regional.2"] {
                let host = try fed.sql("select json_extract(attributes, '$.observed.host') from resources where address = '\(address)'")
                #expect(!host.isEmpty && host != "None", "\(address) has no address")
                hosts[address] = host
            }
            #expect(Set(hosts.values).count == 3, "\(hosts)")
            let main = hosts["aggregator.main"]!, r1 = hosts["aggregator.regional.1"]!, r2 = hosts["aggregator.regional.2"]!
            #expect(try fed.sql("select json_extract(attributes, '$.inputs.addresses') from resources where address = 'certificate.regional-1'").contains(r1))
            #expect(try fed.sql("select json_extract(attributes, '$.inputs.addresses') from resources where address = 'certificate.aggregator'").contains(main))
            // The global aggregator admits the regional VMs and the operator (no participant
            // reports to it directly); each regional one its participants and the operator.
            #expect(try Self.ingress(emulator, address: "aggregator.main") == [8443: ["\(r1)/32", "\(r2)/32", operatorCIDR], 22: [operatorCIDR]])
            #expect(try Self.ingress(emulator, address: "aggregator.regional.1") == [8443: ["10.77.0.0/16", operatorCIDR], 22: [operatorCIDR]])
            let settled = try run(["plan", "--detailed-exitcode"])
            // The addresses are recorded: what remains (participants, assignments, the run) names no VM by reference.
            #expect(settled.status == 2 && !settled.stdout.contains("+ aggregator") && !settled.stdout.contains("~ aggregator") && !settled.stdout.contains("${"), "\(settled.stdout)\(settled.stderr)")

            // Each "VM" appears at its address, the regional ones reach the global one.
            for (name, address) in [("global", main), ("regional-1", r1), ("regional-2", r2)] { try bed.addAddress(bed[name], address) }
            for name in ["regional-1", "regional-2"] { try bed.route(from: bed[name], to: main) }
            let keyDir = fed.dir.url.appendingPathComponent(".fedplane/quickstart-ssh")
            for stem in ["aggregator-main", "aggregator-regional-1", "aggregator-regional-2"] {
                try bed.authorize(publicKey: try String(contentsOf: keyDir.appendingPathComponent("fedplane-quickstart-\(stem).pub"), encoding: .utf8))
            }

            let apply = try run(["apply", "--auto-approve"])
            #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)")
            #expect(apply.stderr.contains("final model: 6 participants"), "\(apply.stderr)")
            #expect(try fed.sql("select count(*) from rounds") == "2")
            #expect(try fed.sql("select status from runs") == "succeeded")
            // The global aggregator admitted the two regional ones only; each regional one ran on its own VM.
            let launch = try JSONSerialization.jsonObject(with: Data(contentsOf: fed.localRoot.appendingPathComponent("run/1/aggregator.json"))) as? [String: Any]
            #expect((launch?["participants"] as? [String]) == ["regional:1", "regional:2"], "\(String(describing: launch))")
            for (name, stem) in [("global", "aggregator"), ("regional-1", "aggregator-regional-1"), ("regional-2", "aggregator-regional-2")] {
                let log = bed[name].directory.appendingPathComponent(".fedplane/quickstart/\(stem)/aggregator.log")
                #expect(FileManager.default.fileExists(atPath: log.path), "no aggregator log on \(name)")
                #expect(Testbed.processesOf(namespace: bed[name].namespace, matching: "fedplane").isEmpty, "an aggregator outlived the run on \(name)")
            }
            // Each round's regional → global hop is recorded per regional aggregator (for `fedplane cost`).
            let hops = try fed.sql("select count(*) from round_traffic where participant like 'regional:%'")
            let trafficRounds = try fed.sql("select count(distinct round) from round_traffic")
            #expect(Int(trafficRounds) ?? 0 >= 2 && Int(hops) == 2 * (Int(trafficRounds) ?? 0), "\(hops) hops over \(trafficRounds) rounds")
            let again = try run(["plan", "--detailed-exitcode"])
            #expect(again.status == 0 && again.stdout.contains("No changes."), "\(again.stdout)\(again.stderr)")
            // Priced over the run just measured, and the layout it ran on is kept.
            #expect(again.stdout.contains("Run duration: estimated from run 1's measured rounds") && again.stdout.contains("(kept: hierarchical: chosen from an NSGA-II front"),
                    "\(again.stdout)")

            // A regional VM terminated behind fedplane's back: the new one will have another
            // address, so the global firewall and the regional certificate name it by reference
            // again (not by the old VM's recorded address).
            let r1ID = try fed.sql("select provider_id from resources where address = 'aggregator.regional.1'")
            _ = try emulator.awsCall(service: "ec2", region: "us-east-1", "Action=TerminateInstances&Version=2016-11-15&InstanceId.1=\(r1ID)")
            let gone = try run(["plan", "--target", "certificate.aggregator", "--target", "certificate.regional-1"])
            #expect(gone.status == 0 && gone.stdout.contains("+ aggregator.regional.1") && gone.stdout.contains("~ aggregator.main")
                    && gone.stdout.contains("${aggregator.regional.1.hostCidr}") && gone.stdout.contains("-/+ certificate.regional-1"),
                    "\(gone.stdout)\(gone.stderr)")

            let destroy = try run(["destroy", "--auto-approve"])
            #expect(destroy.status == 0, "\(destroy.stderr)")
            let left = try emulator.awsCall(service: "ec2", region: "us-east-1", "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3Afedplane%3Afederation&Filter.1.Value.1=quickstart&Filter.2.Name=instance-state-name&Filter.2.Value.1=running")
            #expect(!left.contains("<instanceId>"), "an instance is still running")
            #expect(try Self.ingress(emulator, address: "aggregator.main").isEmpty && Self.ingress(emulator, address: "aggregator.regional.1").isEmpty)
            // No credential and no private key in any output or in the state.
            let state = try fed.sql("select attributes from resources")
            for o in aws.outputs + [state] {
                #expect(!o.contains(Self.secret))
                #expect(!o.contains("PRIVATE KEY"))
            }
        }
    }
}
