import Foundation
import Testing
@testable import FedSpec

@Suite struct SpecDecodingTests {
    @Test func theBaseFixtureDecodesCompletely() throws {
        let r = Fixture.load(Fixture.spec())
        #expect(r.diagnostics.items.isEmpty, "\(r.diagnostics.items.map(\.rendered))")
        let spec = try #require(r.spec)
        #expect(spec.metadata.name == "test-fed")
        #expect(spec.clouds.map(\.name) == ["aws", "gcp", "site-a", "site-b"])
        #expect(spec.cloud(named: "aws")?.credentials == .env(["FP_TEST_AWS_KEY", "FP_TEST_AWS_SECRET"]))
        #expect(spec.aggregator.requirements.maxCost == Money(amount: 85000, currency: .KRW))
        #expect(spec.aggregator.requirements.maxRoundLatency == TimeSpan(milliseconds: 250))
        #expect(abs(spec.aggregator.weights.cost - 0.9) < 1e-12)
        #expect(spec.participants.map(\.name) == ["site-a", "site-b"])
        #expect(spec.participants[0].vms[1].state == .inactive)
        #expect(spec.participants[1].vms[0].state == .active)
        #expect(spec.participants[1].bandwidth == SpecDecoder.defaultBandwidth)
        #expect(spec.training.rounds == 3)
        #expect(spec.training.retry == SpecDecoder.defaultRetry)
        #expect(spec.models.select.metric == .f1)
    }

    /// Runs a marked spec and expects exactly these errors, in this order, at these markers.
    func expectErrors(_ marked: String, _ expected: [(String, String, String)], check: CredentialCheck = .skip,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        let m = MarkedText(marked)
        let r = Fixture.load(m.text, check: check)
        #expect(r.spec == nil, sourceLocation: sourceLocation)
        let got = r.diagnostics.sorted.filter { $0.severity == .error }
        let want = expected.map { "spec.yaml:\(m[$0.0].line):\(m[$0.0].column): \($0.1): \($0.2)" }
        #expect(got.map(\.rendered) == want, sourceLocation: sourceLocation)
    }

    @Test func wrongTypesAreNamedWithTheValue() {
        expectErrors(Fixture.spec(participants: """
        participants:
          - name: site-a
            cloud: site-a
            location: aws/us-east-1
            minResources: { vcpu: 1️⃣two, memoryGiB: 2️⃣"4", diskGiB: 3️⃣-1 }
            vms:
              - { id: vm-001, vcpu: 4, memoryGiB: 8, diskGiB: 40 }

        """, training: "training: { rounds: 1 }\n"), [
            ("1️⃣", "participants[0].minResources.vcpu", "expected a positive integer, got \"two\""),
            ("2️⃣", "participants[0].minResources.memoryGiB", "expected a positive number, got \"4\" (a quoted string)"),
            ("3️⃣", "participants[0].minResources.diskGiB", "expected a positive number, got -1"),
        ])
    }

    @Test func unknownKeysSuggestTheClosestField() {
        expectErrors(Fixture.spec(training: """
        training:
          rounds: 3
          1️⃣minParticpants: 2

        """), [
            ("1️⃣", "training.minParticpants", "unknown field \"minParticpants\" (did you mean \"minParticipants\"?); known fields here: model, trainer, strategy, rounds, epochs, batchSize, learningRate, minParticipants, retry, roundDeadline, trim, clipNorm, classes, features, runtime, flower"),
        ])
    }

    @Test func unknownCloudReferenceSuggestsTheName() {
        expectErrors(Fixture.spec(aggregator: """
        aggregator:
          candidates:
            clouds: [aws, 1️⃣gpc]

        """), [
            ("1️⃣", "aggregator.candidates.clouds[1]", "unknown cloud \"gpc\" (did you mean \"gcp\"?); clouds are defined under clouds:"),
        ])
    }

    @Test func everyErrorIsReportedInOnePassSortedByPosition() {
        // Lines of the first definitions, as the fixture lays them out (markers 5 and 6).
        expectErrors(Fixture.spec(clouds: """
        clouds:
          aws: { provider: aws, credentials: { env: [K] } }
          gcp: { provider: 1️⃣gpc }
          site-a: { provider: local }
          site-b: { provider: local }

        """, participants: """
        participants:
          - 5️⃣name: site-a
            cloud: 2️⃣site-z
            location: aws/us-east-1
            vms:
              - 6️⃣{ id: vm-001, vcpu: 4, memoryGiB: 8, diskGiB: 40 }
              - 3️⃣{ id: vm-001, vcpu: 2, memoryGiB: 4, diskGiB: 20 }
          - 4️⃣name: site-a
            cloud: site-b
            location: aws/eu-west-1
            vms: [{ id: vm-001, vcpu: 4, memoryGiB: 8, diskGiB: 40 }]

        """), [
            ("1️⃣", "clouds.gcp.provider", "unknown value \"gpc\" (did you mean \"gcp\"?); expected one of aws, gcp, azure, local, ssh, openstack"),
            ("2️⃣", "participants[0].cloud", "unknown cloud \"site-z\" (did you mean \"site-a\"?); clouds are defined under clouds:"),
            ("3️⃣", "participants[0].vms[1].id", "duplicate VM id \"vm-001\" in participant site-a (first defined at line 24)"),
            ("4️⃣", "participants[1].name", "duplicate participant name \"site-a\" (first defined at line 20)"),
        ])
    }

    @Test func trustBoundaryHoldsUnlessPolicyWaivesIt() {
        let participants = """
        participants:
          - name: site-a
            cloud: 2️⃣aws
            location: aws/us-east-1
            vms: [{ id: vm-001, vcpu: 4, memoryGiB: 8, diskGiB: 40 }]

        """
        let aggregator = """
        aggregator:
          candidates:
            clouds: [aws, 1️⃣site-a]

        """
        expectErrors(Fixture.spec(aggregator: aggregator, participants: participants, training: "training: { rounds: 1 }\n"), [
            ("1️⃣", "aggregator.candidates.clouds[1]", "cloud \"site-a\" uses the local provider, which is private; the aggregator runs in a public cloud (aws, gcp, azure) unless policy.allowPrivateAggregator is true"),
            ("2️⃣", "participants[0].cloud", "cloud \"aws\" is a public aws cloud; participants train in their own private cloud (local, ssh, openstack) unless policy.allowPublicParticipants is true"),
        ])
        let waived = Fixture.spec(aggregator: MarkedText(aggregator).text, participants: MarkedText(participants).text,
                                  training: "training: { rounds: 1 }\n",
                                  extra: "policy: { allowPrivateAggregator: true, allowPublicParticipants: true }\n")
        #expect(Fixture.load(waived).spec != nil)
    }

    @Test func limitsAreConsistent() {
        expectErrors(Fixture.spec(training: """
        training:
          rounds: 1️⃣0
          minParticipants: 2️⃣3

        """), [
            ("1️⃣", "training.rounds", "expected a positive integer, got 0"),
            ("2️⃣", "training.minParticipants", "minParticipants is 3 but only 2 participants are defined"),
        ])
    }

    @Test func weightsNeedOnePositive() {
        expectErrors(Fixture.spec(aggregator: """
        aggregator:
          candidates: { clouds: [aws] }
          weights: 1️⃣{ cost: 0, latency: 0 }

        """), [("1️⃣", "aggregator.weights", "at least one weight must be greater than 0")])
    }

    @Test func missingRequiredFieldsPointAtTheirMapping() {
        expectErrors(Fixture.spec(participants: """
        participants:
          - 1️⃣name: site-a
            cloud: site-a
            vms: [{ id: vm-001, vcpu: 4, memoryGiB: 8, diskGiB: 40 }]
          - name: site-b
            cloud: site-b
            location: aws/eu-west-1
            vms: [2️⃣{ id: vm-001, vcpu: 4, diskGiB: 40 }]

        """), [
            ("1️⃣", "participants[0]", "missing required field \"location\""),
            ("2️⃣", "participants[1].vms[0]", "missing required field \"memoryGiB\""),
        ])
    }

    @Test func mergeKeysAndExtensionAnchors() throws {
        let text = Fixture.spec(participants: """
        x-vm: &vm { vcpu: 4, memoryGiB: 8, diskGiB: 40 }
        participants:
          - name: site-a
            cloud: site-a
            location: aws/us-east-1
            vms:
              - { id: vm-001, <<: *vm }
              - { id: vm-002, <<: *vm, vcpu: 2 }

        """, training: "training: { rounds: 2 }\n")
        let r = Fixture.load(text)
        let spec = try #require(r.spec, "\(r.diagnostics.items.map(\.rendered))")
        #expect(spec.participants[0].vms.map(\.resources.vcpu) == [4, 2])
        #expect(spec.participants[0].vms[1].resources.memoryGiB == 8)
        #expect(spec.training.minParticipants == 1)
    }

    @Test func topLevelMustBeAMapping() {
        let r = Fixture.load("- just\n- a list\n")
        #expect(r.spec == nil)
        #expect(r.diagnostics.items.first?.message.hasPrefix("a spec is a mapping") == true)
    }

    @Test func unsupportedApiVersionAndKind() {
        let text = Fixture.spec().replacingOccurrences(of: "fedplane/v1", with: "fedplane/v9")
            .replacingOccurrences(of: "kind: Federation", with: "kind: Cluster")
        let msgs = Fixture.load(text).diagnostics.errors.map(\.message)
        #expect(msgs == ["unsupported apiVersion \"fedplane/v9\"; this fedplane reads fedplane/v1",
                         "unsupported kind \"Cluster\"; expected Federation"])
    }

    @Test func unknownRegionsAreCheckedWhenACatalogIsGiven() {
        let r = Fixture.load(Fixture.spec(), knownRegions: ["aws/us-east-1", "aws/eu-west-2"])
        #expect(r.diagnostics.errors.map(\.rendered) == [
            "spec.yaml:31:15: participants[1].location: unknown catalog region \"aws/eu-west-1\" (did you mean \"aws/eu-west-2\"?); `fedplane catalog list` shows them",
        ])
    }
}
