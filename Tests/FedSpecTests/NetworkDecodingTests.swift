import Foundation
import Testing
@testable import FedSpec

/// The fields that open an aggregator VM's firewall (participants' networks, the operator's SSH
/// networks) and choose its image: positioned errors for what cannot work.
@Suite struct NetworkDecodingTests {
    static let awsCloud = """
    clouds:
      aws:
        provider: aws
        credentials: { env: [FP_TEST_AWS_KEY, FP_TEST_AWS_SECRET] }
        image: ami-0abc1234
        ssh: { user: ubuntu, allowFrom: [192.0.2.0/28, "2001:db8:1::/64"] }
      gcp: { provider: gcp, credentials: { file: ./gcp.json } }
      site-a: { provider: local }
      site-b: { provider: local }

    """

    @Test func networksImageAndSSHOnAnAWSCloudDecode() throws {
        let r = Fixture.load(Fixture.spec(clouds: Self.awsCloud))
        #expect(r.diagnostics.items.isEmpty, "\(r.diagnostics.items.map(\.rendered))")
        let spec = try #require(r.spec)
        let aws = try #require(spec.cloud(named: "aws"))
        #expect(aws.image == "ami-0abc1234")
        #expect(aws.ssh?.user == "ubuntu" && aws.ssh?.allowFrom == ["192.0.2.0/28", "2001:db8:1::/64"])
        #expect(spec.participants.map(\.networks) == [["198.51.100.0/26"], ["2001:db8::/48"]])
    }

    @Test func badNetworksAndMisplacedFieldsArePositioned() {
        let m = MarkedText(Fixture.spec(clouds: """
        clouds:
          aws:
            provider: aws
            credentials: { env: [FP_TEST_AWS_KEY, FP_TEST_AWS_SECRET] }
            image: 1️⃣ubuntu-latest
            ssh: { allowFrom: [2️⃣10.0.0.0/33] }
          gcp: { provider: gcp, credentials: { file: ./gcp.json }, image: 3️⃣ami-0abc }
          site-a: { provider: ssh, ssh: { allowFrom: 4️⃣[10.0.0.0/8] } }
          site-b: { provider: local }

        """, participants: """
        participants:
          - name: site-a
            cloud: site-a
            location: aws/us-east-1
            networks: [5️⃣198.51.100.300/24]
            vms:
              - { id: vm-001, host: 10.0.0.5, vcpu: 4, memoryGiB: 8, diskGiB: 40 }

        """, training: "training: { rounds: 1, minParticipants: 1 }\n"))
        let r = Fixture.load(m.text)
        let errors = r.diagnostics.sorted.filter { $0.severity == .error }.map(\.rendered)
        let want = [
            ("1️⃣", "clouds.aws.image", "expected an AMI id (ami-…), got \"ubuntu-latest\""),
            ("2️⃣", "clouds.aws.ssh.allowFrom[0]", "expected a network as CIDR (e.g. 203.0.113.0/24 or 2001:db8::/32), got \"10.0.0.0/33\""),
            ("3️⃣", "clouds.gcp.image", "image applies to an aws cloud (the aggregator VM's AMI)"),
            ("4️⃣", "clouds.site-a.ssh.allowFrom", "allowFrom opens SSH on a VM fedplane makes (provider: aws); an ssh cloud's hosts keep their own firewall"),
            ("5️⃣", "participants[0].networks[0]", "expected a network as CIDR (e.g. 203.0.113.0/24 or 2001:db8::/32), got \"198.51.100.300/24\""),
        ].map { "spec.yaml:\(m[$0.0].line):\(m[$0.0].column): \($0.1): \($0.2)" }
        #expect(errors == want, "\(errors)")
    }

    @Test func participantsWithoutNetworksAreWarnedWhenTheAggregatorMayGoToAWS() {
        let r = Fixture.load(Fixture.spec(participants: """
        participants:
          - name: site-a
            cloud: site-a
            location: aws/us-east-1
            networks: [198.51.100.0/26]
            vms:
              - { id: vm-001, vcpu: 4, memoryGiB: 8, diskGiB: 40 }
          - name: site-b
            cloud: site-b
            location: aws/eu-west-1
            vms:
              - { id: vm-001, vcpu: 4, memoryGiB: 8, diskGiB: 40 }

        """))
        #expect(r.spec != nil)
        let warnings = r.diagnostics.warnings.map(\.rendered)
        #expect(warnings.count == 1 && warnings[0].contains("participants[1].networks: the aggregator may be placed on the aws cloud aws") && warnings[0].contains("site-b declares none"), "\(warnings)")
    }

    @Test func cidrsAreCheckedByTheAddressParser() {
        for good in ["0.0.0.0/0", "10.77.0.0/16", "203.0.113.7/32", "::/0", "2001:db8::/32", "fe80::1/128"] { #expect(CIDR.isValid(good), "\(good)") }
        for bad in ["10.0.0.0", "10.0.0.0/", "10.0.0/8", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/+8", "host/24", "10.0.0.0/8/8", "10.0.0.0/٣"] {
            #expect(!CIDR.isValid(bad), "\(bad)")
        }
    }
}
