import FedDigest
import FedSpec
import FedState
import Foundation
import Testing
@testable import FedPlan

/// The global aggregator's firewall on aws with regional aggregators on aws: the participants it
/// serves directly, then each regional VM's address in regional order — as references before
/// the VMs exist and as the recorded values after, in the same positions, so a plan after apply
/// sees no change whichever way the addresses sort.
@Suite struct RegionalFirewallPlanTests {
    @Test func theRegionalAddressesKeepTheirPlaceOnceKnown() throws {
        let spec = try PlacementTests.caseStudy()
        // hospital-us direct; hospital-asia and hospital-eu each behind a regional VM.
        var placement = Placement(cloud: "aws", region: "us-east-1", instanceType: "m5.large",
                                  summary: PlacementSummary(cloud: "aws", region: "us-east-1", instanceType: "m5.large", note: ""))
        placement.regional = [
            RegionalAggregator(name: "1", cloud: "aws", region: "ap-southeast-1", instanceType: "m5.large", participants: ["hospital-asia"]),
            RegionalAggregator(name: "2", cloud: "aws", region: "eu-west-1", instanceType: "m5.large", participants: ["hospital-eu"]),
        ]
        func networks(_ recorded: [Resource]) throws -> [String] {
            let graph = try DesiredGraph.build(spec: spec, placement: placement, assigned: [:], recordedAggregators: recorded).get()
            let main = try #require(graph.resources.first { $0.address == "aggregator.main" })
            #expect(main.dependsOn.contains("aggregator.regional.1") && main.dependsOn.contains("aggregator.regional.2"))
            guard case .array(let items)? = main.inputs["participantNetworks"] else { return [] }
            return items.compactMap(\.stringValue)
        }
        #expect(try networks([]) == ["198.51.100.0/26", "${aggregator.regional.1.hostCidr}", "${aggregator.regional.2.hostCidr}"])

        // Addresses that sort the other way round from the regional order.
        func row(_ name: String, _ region: String, _ cidr: String) -> Resource {
            let doc: JSONValue = ["cloud": "aws", "inputs": ["cloud": "aws", "region": .string(region), "instanceType": "m5.large"],
                                  "observed": ["hostCidr": .string(cidr)]]
            return Resource(address: "aggregator.regional.\(name)", type: "aggregator", provider: "aws.aws", providerID: "i-\(name)",
                            attributes: doc.canonical, inputsHash: "h", created: Date(), updated: Date())
        }
        let known = [row("1", "ap-southeast-1", "54.214.85.137/32"), row("2", "eu-west-1", "54.214.123.130/32")]
        #expect(try networks(known) == ["198.51.100.0/26", "54.214.85.137/32", "54.214.123.130/32"])
        // A regional VM replaced elsewhere is named by reference again, in its place.
        let moved = [row("1", "ap-south-1", "54.214.85.137/32"), known[1]]
        #expect(try networks(moved) == ["198.51.100.0/26", "${aggregator.regional.1.hostCidr}", "54.214.123.130/32"])
    }
}
