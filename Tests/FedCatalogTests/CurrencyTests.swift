import Testing
@testable import FedCatalog

@Suite struct CurrencyTests {
    let catalog = Catalog.bundled

    @Test func bundledRatesAreTheECBsOf2026_02_13() {
        #expect(catalog.currency.base == "EUR")
        #expect(catalog.currency.date == "2026-02-13")
        #expect(catalog.currency.source.contains("ECB"))
        #expect(catalog.currency.unitsPerBase["USD"] == 1.1862)
        #expect(catalog.currency.unitsPerBase["KRW"] == 1715.78)
        #expect(catalog.currency.unitsPerBase["EUR"] == 1)
        #expect(Set(["USD", "EUR", "KRW"]).isSubset(of: catalog.currency.codes))
    }

    @Test func crossRateThroughTheEuro() throws {
        #expect(abs(try catalog.convert(1, from: "USD", to: "KRW") - 1715.78 / 1.1862) < 1e-9)
        #expect(abs(try catalog.convert(1.1862, from: "USD", to: "EUR") - 1) < 1e-12)
        #expect(try catalog.convert(42, from: "KRW", to: "KRW") == 42)
        #expect(abs(try catalog.convert(100, from: "usd", to: "eur") - 100 / 1.1862) < 1e-9)
    }

    @Test(arguments: ["USD", "EUR", "KRW", "JPY"])
    func roundTrip(code: String) throws {
        let amount = 85_000.0
        let there = try catalog.convert(amount, from: "KRW", to: code)
        #expect(abs(try catalog.convert(there, from: code, to: "KRW") - amount) < 1e-6)
    }

    @Test func unknownCurrencyListsTheKnownOnes() {
        let error = #expect(throws: CatalogError.self) { try catalog.convert(1, from: "XYZ", to: "USD") }
        guard case let .unknownCurrency(code, known) = error else { Issue.record("wrong error \(String(describing: error))"); return }
        #expect(code == "XYZ")
        #expect(known == catalog.currency.codes)
        #expect(error?.description.contains("XYZ") == true)
        #expect(error?.description.contains("EUR, GBP") == true)
    }

    @Test func invalidRatesAreRejected() {
        #expect(throws: CatalogError.self) { try CurrencyRates(base: "EUR", date: "2026-01-01", source: "me", unitsPerBase: ["USD": 0]) }
        #expect(throws: CatalogError.self) { try CurrencyRates(base: "EUR", date: "2026-01-01", source: "me", unitsPerBase: ["DOLLAR": 1.1]) }
        #expect(throws: CatalogError.self) { try CurrencyRates(base: "EUR", date: "2026-01-01", source: "me", unitsPerBase: ["EUR": 2]) }
    }
}
