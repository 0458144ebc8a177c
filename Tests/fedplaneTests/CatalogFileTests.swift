import Foundation
import Testing

/// A spec's own catalog file adds regions, offers, RTTs, egress and rates to the bundled catalog.
@Suite struct CatalogFileTests {
    static let overlay = """
    name: negotiated-2026
    regions:
      - {ref: aws/sa-east-1, city: Sao Paulo, country: BR, latitude: -23.55, longitude: -46.63, area: SA}
    offers:
      - {region: aws/us-east-1, type: m5.large, vcpu: 2, memoryGiB: 8, usdPerHour: 0.05}
      - {region: aws/sa-east-1, type: m5.large, vcpu: 2, memoryGiB: 8, usdPerHour: 0.153}
    rtts:
      - {between: [aws/us-east-1, aws/sa-east-1], ms: 115}
    egress:
      regions: {aws/sa-east-1: 0.15}

    """

    func caseStudy(_ dir: TempDir, catalog: String) throws -> URL {
        let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/covid19-multicloud.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "clouds:\n  aws:", with: "catalog: ./prices.yaml\n\nclouds:\n  aws:")
            .replacingOccurrences(of: "location: aws/eu-central-1", with: "location: aws/sa-east-1")
        _ = try dir.write("prices.yaml", catalog)
        return try dir.write("covid.yaml", text)
    }

    @Test func overlayAddsARegionParticipantsCanUseAndChangesPrices() throws {
        let dir = try TempDir()
        let spec = try caseStudy(dir, catalog: Self.overlay)
        let v = try CLI.run(["validate", "-f", spec.path])
        #expect(v.status == 0, "\(v.stderr)")
        let r = try CLI.run(["optimize", "-f", spec.path, "--json", "--weights", "cost=1,latency=0"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((doc["catalog_version"] as? String)?.contains("~negotiated-2026") == true)
        #expect(doc["candidates"] as? Int == 393)
    }

    @Test func withoutTheOverlayTheRegionIsUnknown() throws {
        let dir = try TempDir()
        let spec = try caseStudy(dir, catalog: "name: empty\n")
        let r = try CLI.run(["validate", "-f", spec.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("participants[2].location: unknown catalog region \"aws/sa-east-1\""), "\(r.stderr)")
    }

    @Test func badEntriesArePositionedInTheCatalogFile() throws {
        let dir = try TempDir()
        let spec = try caseStudy(dir, catalog: Self.overlay
            .replacingOccurrences(of: "area: SA}", with: "area: LATAM}")
            .replacingOccurrences(of: "usdPerHour: 0.05}", with: "usdPerHour: cheap}"))
        let r = try CLI.run(["validate", "-f", spec.path])
        #expect(r.status == 1)
        let prices = dir.url.appendingPathComponent("prices.yaml").path
        #expect(r.stderr.contains("\(prices):5:80: offers[0].usdPerHour: expected a non-negative number, got \"cheap\""), "\(r.stderr)")
        let fixedOffer = try caseStudy(dir, catalog: Self.overlay.replacingOccurrences(of: "area: SA}", with: "area: LATAM}"))
        let r2 = try CLI.run(["validate", "-f", fixedOffer.path])
        #expect(r2.stderr.contains("\(prices):3:5: regions[0].area: unknown area \"LATAM\""), "\(r2.stderr)")
    }

    @Test func aMissingCatalogFileIsAnError() throws {
        let dir = try TempDir()
        let spec = try caseStudy(dir, catalog: "")
        try FileManager.default.removeItem(at: dir.url.appendingPathComponent("prices.yaml"))
        let r = try CLI.run(["validate", "-f", spec.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("prices.yaml: catalog file not found"), "\(r.stderr)")
    }
}
