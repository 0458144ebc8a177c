import FedCatalog
import FedOptimize
import FedSpec
import FedState
import Foundation
import Testing
@testable import FedPlan

/// The hierarchical choice keeps the layout the state records while it scores as well as the
/// best one, as the flat choice keeps its recorded placement: a plan priced over a new measured
/// duration does not move aggregators between equal layouts.
@Suite struct HierarchicalKeepTests {
    static func optimizer(weights: Weights? = nil) throws -> HierarchicalOptimizer {
        let spec = try PlacementTests.caseStudy { $0.replacingOccurrences(of: "aggregator:\n", with: "aggregator:\n  topology: hierarchical\n  maxRegional: 2\n") }
        #expect(spec.aggregator.topology == .hierarchical)
        // A short search: these tests are about the choice among what it finds.
        var settings = spec.aggregator.optimizer
        settings.population = 40
        settings.generations = 40
        return HierarchicalOptimizer(model: PlacementModel(spec: spec, catalog: .bundled), settings: settings,
                                     weights: weights ?? spec.aggregator.weights)
    }

    static func recorded(_ p: HierarchicalPoint) -> RecordedLayout {
        func site(_ e: CandidateEstimate) -> RecordedLayout.Site {
            RecordedLayout.Site(cloud: e.specCloud, region: e.region.region, instanceType: e.instanceType)
        }
        return RecordedLayout(global: site(p.global), regional: p.regional.map { RecordedLayout.Regional(site: site($0.site), participants: $0.participants) })
    }

    static func same(_ a: HierarchicalPoint, _ b: HierarchicalPoint) -> Bool {
        recorded(a) == recorded(b)
    }

    @Test func theChoiceRecordedIsKeptAndAWorseOneIsNot() throws {
        let o = try Self.optimizer()
        let fresh = try o.decide()
        #expect(!fresh.keptRecorded && fresh.front.count > 1)
        let again = try o.decide(recorded: Self.recorded(fresh.choice))
        #expect(again.keptRecorded && Self.same(again.choice, fresh.choice))

        // Any other point of the front scores worse with the spec's weights: not kept.
        let table = fresh.front.enumerated().map { PlacementCandidate(coordinates: [$0.offset], objectives: $0.element.objectives) }
        let w = fresh.objectives.map { fresh.weights[$0] }
        let score = SelectionScore(front: Array(table.indices), in: table, weights: w)
        let worse = try #require(fresh.front.indices.first { score($0) > score(fresh.chosen) + 1e-9 })
        let moved = try o.decide(recorded: Self.recorded(fresh.front[worse]))
        #expect(!moved.keptRecorded && Self.same(moved.choice, fresh.choice))
    }

    @Test func aRecordedLayoutOnTheFrontThatTiesIsKept() throws {
        // Weights on objectives the spec does not optimise: every point of the front scores 0.
        let o = try Self.optimizer(weights: try #require(Weights(cost: 0, latency: 0, carbon: 1, egress: 0)))
        let fresh = try o.decide()
        let other = try #require(fresh.front.indices.first { $0 != fresh.chosen })
        let kept = try o.decide(recorded: Self.recorded(fresh.front[other]))
        #expect(kept.keptRecorded && Self.same(kept.choice, fresh.front[other]), "\(kept.choice.global.label)")
    }

    /// Two aws clouds over the same account offer every site twice, with identical objectives:
    /// the recorded twin is the one kept, not whichever the search or the pool met first.
    static func twinClouds(_ text: String) -> String {
        text.replacingOccurrences(of: "  gcp:   { provider: gcp,", with: "  aws-b: { provider: aws, credentials: { profile: fl-platform } }\n  gcp:   { provider: gcp,")
            .replacingOccurrences(of: "clouds: [aws, gcp, azure]", with: "clouds: [aws, aws-b]")
    }
    static func twin(_ site: RecordedLayout.Site) -> RecordedLayout.Site {
        var t = site
        t.cloud = site.cloud == "aws" ? "aws-b" : "aws"
        return t
    }

    @Test func ofTwoLayoutsWithIdenticalObjectivesTheRecordedOneIsKept() throws {
        let spec = try PlacementTests.caseStudy { Self.twinClouds($0).replacingOccurrences(of: "aggregator:\n", with: "aggregator:\n  topology: hierarchical\n  maxRegional: 2\n") }
        var settings = spec.aggregator.optimizer
        settings.population = 40
        settings.generations = 40
        let o = HierarchicalOptimizer(model: PlacementModel(spec: spec, catalog: .bundled), settings: settings, weights: spec.aggregator.weights)
        let fresh = try o.decide()
        var twin = Self.recorded(fresh.choice)
        twin.global = Self.twin(twin.global)
        twin.regional = twin.regional.map { RecordedLayout.Regional(site: Self.twin($0.site), participants: $0.participants) }
        #expect(twin != Self.recorded(fresh.choice))
        let kept = try o.decide(recorded: twin)
        #expect(kept.keptRecorded && Self.recorded(kept.choice) == twin, "\(kept.choice.global.label)")
        #expect(kept.choice.objectives == fresh.choice.objectives)
        // And the fresh choice, recorded, is kept over its twin just the same.
        let same = try o.decide(recorded: Self.recorded(fresh.choice))
        #expect(same.keptRecorded && Self.recorded(same.choice) == Self.recorded(fresh.choice))
    }

    @Test func ofTwoSitesWithIdenticalObjectivesTheRecordedOneIsKept() throws {
        let spec = try PlacementTests.caseStudy(Self.twinClouds)
        let o = AggregatorOptimizer(model: PlacementModel(spec: spec, catalog: .bundled), settings: spec.aggregator.optimizer, weights: spec.aggregator.weights)
        let fresh = try o.decide()
        let c = fresh.choice
        let twin = Self.twin(RecordedLayout.Site(cloud: c.specCloud, region: c.region.region, instanceType: c.instanceType))
        let kept = try o.decide(recorded: twin)
        #expect(kept.keptRecorded && kept.choice.isAt(twin) && kept.chosen != fresh.chosen, "\(kept.choice.specCloud)")
        #expect(kept.choice.cost == c.cost && kept.choice.roundLatencyMs == c.roundLatencyMs)
    }

    @Test func aRecordedLayoutNoLongerPossibleIsIgnored() throws {
        let o = try Self.optimizer()
        let fresh = try o.decide()
        var gone = Self.recorded(fresh.choice)
        gone.global.instanceType = "no-such-type"
        #expect(try o.decide(recorded: gone).keptRecorded == false)
        // A participant the spec no longer has.
        var stranger = Self.recorded(fresh.choice)
        stranger.regional = [RecordedLayout.Regional(site: stranger.global, participants: ["hospital-x"])]
        let d = try o.decide(recorded: stranger)
        #expect(!d.keptRecorded && Self.same(d.choice, fresh.choice))
    }

    @Test func theLayoutIsReadFromTheRecordedAggregators() throws {
        func row(_ address: String, _ inputs: String) -> Resource {
            Resource(address: address, type: "aggregator", provider: "aws.aws", providerID: nil, attributes: #"{"inputs":\#(inputs)}"#,
                     inputsHash: "", created: Date(), updated: Date())
        }
        let main = row("aggregator.main", #"{"cloud":"aws","region":"us-east-1","instanceType":"m5.large"}"#)
        let r1 = row("aggregator.regional.1", #"{"cloud":"aws","region":"eu-west-1","instanceType":"c5.large","participants":["a","b"],"parent":"aggregator.main"}"#)
        let r2 = row("aggregator.regional.2", #"{"cloud":"aws","region":"ap-southeast-1","instanceType":"c5.large","participants":["d"],"parent":"aggregator.main"}"#)
        func snapshot(_ rows: [Resource]) -> StateSnapshot {
            StateSnapshot(lineage: "l", serial: 1, federation: "f", resources: rows, assignments: [], cursors: [:])
        }
        let layout = try #require(Workspace.recordedLayout(snapshot([main, r1, r2])))
        #expect(layout == RecordedLayout(global: .init(cloud: "aws", region: "us-east-1", instanceType: "m5.large"), regional: [
            .init(site: .init(cloud: "aws", region: "eu-west-1", instanceType: "c5.large"), participants: ["a", "b"]),
            .init(site: .init(cloud: "aws", region: "ap-southeast-1", instanceType: "c5.large"), participants: ["d"]),
        ]))
        #expect(Workspace.recordedLayout(snapshot([main]))?.regional == [])
        // No global aggregator, or a regional one recorded without whom it serves: no layout to keep.
        #expect(Workspace.recordedLayout(snapshot([r1, r2])) == nil)
        let partial = row("aggregator.regional.1", #"{"cloud":"aws","region":"eu-west-1","instanceType":"c5.large"}"#)
        #expect(Workspace.recordedLayout(snapshot([main, partial])) == nil)
        #expect(Workspace.recordedLayout(nil) == nil)
    }
}
