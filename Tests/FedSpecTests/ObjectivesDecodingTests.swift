import Foundation
import Testing
@testable import FedSpec

/// `aggregator.objectives`, the carbon/egress weights and `maxCarbon`/`maxEgress` (issue 16).
@Suite struct ObjectivesDecodingTests {
    @Test func defaultsAreCostAndLatency() throws {
        let r = Fixture.load(Fixture.spec())
        let spec = try #require(r.spec)
        #expect(spec.aggregator.objectives == [.cost, .latency])
        #expect(spec.aggregator.weights == Weights(cost: 9, latency: 1)!)
        #expect(spec.aggregator.weights.carbon == 0 && spec.aggregator.weights.egress == 0)
        #expect(spec.aggregator.requirements.maxCarbon == nil && spec.aggregator.requirements.maxEgress == nil)
    }

    @Test func fourObjectivesWeightsAndLimits() throws {
        let r = Fixture.load(Fixture.spec(aggregator: """
        aggregator:
          candidates:
            clouds: [aws, gcp]
          objectives: [cost, latency, carbon, egress]
          requirements:
            maxCarbon: 2.5kg
            maxEgress: 50GB
          weights: { cost: 1, latency: 1, carbon: 2, egress: 0 }

        """))
        let spec = try #require(r.spec, "\(r.diagnostics.items.map(\.rendered))")
        #expect(spec.aggregator.objectives == [.cost, .latency, .carbon, .egress])
        #expect(spec.aggregator.weights == Weights(cost: 1, latency: 1, carbon: 2, egress: 0)!)
        #expect(spec.aggregator.weights.carbon == 0.5)
        #expect(spec.aggregator.requirements.maxCarbon == CarbonMass(kilograms: 2.5))
        #expect(spec.aggregator.requirements.maxEgress == ByteSize(bytes: 50e9))
    }

    @Test func listedObjectivesWithoutWeightsWeighEqually() throws {
        let r = Fixture.load(Fixture.spec(aggregator: """
        aggregator:
          candidates:
            clouds: [aws, gcp]
          objectives: [cost, carbon]

        """))
        let spec = try #require(r.spec, "\(r.diagnostics.items.map(\.rendered))")
        #expect(spec.aggregator.weights.cost == 0.5 && spec.aggregator.weights.carbon == 0.5 && spec.aggregator.weights.latency == 0)
    }

    @Test func badObjectivesWeightsAndLimitsArePositioned() {
        SpecDecodingTests().expectErrors(Fixture.spec(aggregator: """
        aggregator:
          candidates:
            clouds: [aws, gcp]
          objectives: [cost, 1️⃣carbn, 2️⃣cost]
          requirements:
            maxCarbon: 3️⃣2.5lb
            maxEgress: 4️⃣-1GB
          weights: { cost: 1, egress: 5️⃣1 }

        """), [
            ("1️⃣", "aggregator.objectives[1]", "unknown objective \"carbn\" (did you mean \"carbon\"?); the objectives are cost, latency, carbon, egress"),
            ("2️⃣", "aggregator.objectives[2]", "objective cost is listed twice"),
            ("3️⃣", "aggregator.requirements.maxCarbon", "unknown unit \"lb\" in \"2.5lb\"; use one of g, kg, t"),
            ("4️⃣", "aggregator.requirements.maxEgress", "expected a positive size per run (e.g. 50GB), got \"-1GB\""),
            ("5️⃣", "aggregator.weights.egress", "egress has a weight but is not among aggregator.objectives (cost, latency); add it there or drop the weight"),
        ])
    }

    @Test(arguments: [("500g", 0.5), ("2.5kg", 2.5), ("1t", 1000)])
    func carbonMassUnits(text: String, kg: Double) throws {
        #expect(try CarbonMass.parse(text).get().kilograms == kg)
    }
}

/// The schema names the same aggregator fields the decoder knows.
@Suite struct ObjectivesSchemaTests {
    static let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas/federation.schema.json")

    @Test func requirementsWeightsAndObjectivesAreInTheSchema() throws {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.schema)) as? [String: Any])
        let aggregator = try #require(((doc["properties"] as? [String: Any])?["aggregator"] as? [String: Any])?["properties"] as? [String: Any])
        let requirements = try #require((aggregator["requirements"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(Set(requirements.keys) == ["maxCost", "maxRoundLatency", "minVcpu", "minMemoryGiB", "maxCarbon", "maxEgress"])
        let weights = try #require((aggregator["weights"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(Set(weights.keys) == Set(PlacementObjective.allCases.map(\.rawValue)))
        let objectives = try #require(((aggregator["objectives"] as? [String: Any])?["items"] as? [String: Any])?["enum"] as? [String])
        #expect(objectives == PlacementObjective.allCases.map(\.rawValue))
    }

    @Test func unknownRequirementListsTheNewLimits() {
        SpecDecodingTests().expectErrors(Fixture.spec(aggregator: """
        aggregator:
          candidates:
            clouds: [aws, gcp]
          requirements:
            1️⃣maxCarbn: 1kg

        """), [
            ("1️⃣", "aggregator.requirements.maxCarbn", "unknown field \"maxCarbn\" (did you mean \"maxCarbon\"?); known fields here: maxCost, maxRoundLatency, minVcpu, minMemoryGiB, maxCarbon, maxEgress"),
        ])
    }
}

/// `aggregator.topology` and `maxRegional`.
@Suite struct TopologyDecodingTests {
    @Test func flatByDefaultHierarchicalWithItsBound() throws {
        #expect(try #require(Fixture.load(Fixture.spec()).spec).aggregator.topology == .flat)
        let r = Fixture.load(Fixture.spec(aggregator: """
        aggregator:
          candidates:
            clouds: [aws, gcp]
          topology: hierarchical
          maxRegional: 2

        """))
        let spec = try #require(r.spec, "\(r.diagnostics.items.map(\.rendered))")
        #expect(spec.aggregator.topology == .hierarchical && spec.aggregator.maxRegional == 2)
    }

    @Test func badTopologyAndAStrayBoundArePositioned() {
        SpecDecodingTests().expectErrors(Fixture.spec(aggregator: """
        aggregator:
          candidates:
            clouds: [aws, gcp]
          topology: 1️⃣tree
          maxRegional: 2️⃣2

        """), [
            ("1️⃣", "aggregator.topology", "unknown value \"tree\"; expected one of flat, hierarchical"),
            ("2️⃣", "aggregator.maxRegional", "maxRegional applies to topology: hierarchical; add it or drop maxRegional"),
        ])
    }
}
