import Foundation
@testable import FedSpec
import Testing

/// `aggregator.regionalHosts` (issue 16): the host of each location group's regional aggregator
/// on the global aggregator's ssh cloud; every misuse is a positioned error.
@Suite struct RegionalHostsDecodingTests {
    static let clouds = """
    clouds:
      coordination: { provider: ssh, credentials: { file: ./id_ed25519 }, ssh: { user: root } }
      site-a: { provider: ssh, credentials: { file: ./id_ed25519 }, ssh: { user: root } }
      lab: { provider: local }

    """

    static let participants = """
    participants:
      - name: a
        cloud: site-a
        location: aws/us-east-1
        vms: [{ id: vm-001, host: 10.0.0.11, vcpu: 1, memoryGiB: 1, diskGiB: 1 }]
      - name: b
        cloud: site-a
        location: aws/us-east-1
        vms: [{ id: vm-001, host: 10.0.0.12, vcpu: 1, memoryGiB: 1, diskGiB: 1 }]
      - name: c
        cloud: site-a
        location: aws/eu-west-1
        vms: [{ id: vm-001, host: 10.0.0.13, vcpu: 1, memoryGiB: 1, diskGiB: 1 }]

    """

    static func spec(_ aggregator: String) -> String {
        Fixture.spec(clouds: clouds, aggregator: aggregator, participants: participants, extra: "policy: { allowPrivateAggregator: true }\n")
    }

    @Test func hostsByLocationAreRead() throws {
        let r = Fixture.load(Self.spec("""
        aggregator:
          candidates: { clouds: [coordination] }
          host: 10.0.0.10
          topology: hierarchical
          regionalHosts: { aws/us-east-1: 10.0.0.20, aws/eu-west-1: regional-eu.example.org }

        """))
        let spec = try #require(r.spec, "\(r.diagnostics.items.map(\.rendered))")
        #expect(spec.aggregator.regionalHost(location: "aws/us-east-1") == "10.0.0.20")
        #expect(spec.aggregator.regionalHost(location: "aws/eu-west-1") == "regional-eu.example.org")
        #expect(spec.aggregator.regionalHost(location: "aws/ap-northeast-1") == nil)
    }

    @Test func anUnknownLocationAndABadHostArePositioned() {
        SpecDecodingTests().expectErrors(Self.spec("""
        aggregator:
          candidates: { clouds: [coordination] }
          host: 10.0.0.10
          topology: hierarchical
          regionalHosts:
            1️⃣aws/us-east-2: 10.0.0.20
            aws/eu-west-1: 2️⃣"not a host!"

        """), [
            ("1️⃣", "aggregator.regionalHosts.aws/us-east-2", "no participant has location \"aws/us-east-2\" (did you mean \"aws/us-east-1\"?); regional aggregators serve the participants of one location (aws/eu-west-1, aws/us-east-1)"),
            ("2️⃣", "aggregator.regionalHosts.aws/eu-west-1", "expected a host name or IP address for the regional aggregator of location aws/eu-west-1, got \"not a host!\" (a quoted string)"),
        ])
    }

    @Test func aFlatTopologyOrANonSSHCloudIsRefused() {
        SpecDecodingTests().expectErrors(Self.spec("""
        aggregator:
          candidates: { clouds: [coordination] }
          host: 10.0.0.10
          1️⃣regionalHosts: { aws/us-east-1: 10.0.0.20 }

        """), [
            ("1️⃣", "aggregator.regionalHosts", "regionalHosts applies to topology: hierarchical (regional aggregators); add it or drop regionalHosts"),
        ])
        SpecDecodingTests().expectErrors(Self.spec("""
        aggregator:
          candidates: { clouds: [lab] }
          topology: hierarchical
          1️⃣regionalHosts: { aws/us-east-1: 10.0.0.20 }

        """), [
            ("1️⃣", "aggregator.regionalHosts", "regionalHosts names hosts of an ssh cloud, but the aggregator may be placed on lab (local); list only ssh clouds in aggregator.candidates.clouds or drop regionalHosts"),
        ])
    }

    @Test func theSchemaNamesRegionalHosts() throws {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: ObjectivesSchemaTests.schema)) as? [String: Any])
        let aggregator = try #require(((doc["properties"] as? [String: Any])?["aggregator"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(aggregator["regionalHosts"] != nil)
    }
}
