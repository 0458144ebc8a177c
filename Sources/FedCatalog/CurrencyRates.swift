/// Exchange rates of one day from one publisher, as published: units of each currency per one
/// `base` unit (the ECB quotes against EUR). Conversions go through the base (cross rates).
public struct CurrencyRates: Hashable, Sendable {
    /// ISO 4217 code the rates are quoted against; its own rate is 1.
    public let base: String
    /// The publication day, ISO 8601 (`2026-02-13`).
    public let date: String
    /// Who published the rates, for the plan and the README.
    public let source: String
    /// ISO 4217 code → units per one `base`, including `base` itself (1).
    public let unitsPerBase: [String: Double]

    /// Checks what a hand-written overlay could get wrong: codes are three letters, rates positive.
    public init(base: String, date: String, source: String, unitsPerBase: [String: Double]) throws(CatalogError) {
        let base = base.uppercased()
        guard Self.isCode(base) else {
            throw .invalidValue(what: "currency base", value: base, expected: "a three-letter ISO 4217 code such as EUR")
        }
        guard !date.isEmpty else {
            throw .invalidValue(what: "currency rates date", value: date, expected: "the day the rates were published, e.g. 2026-02-13")
        }
        var rates: [String: Double] = [:]
        for (code, rate) in unitsPerBase {
            let code = code.uppercased()
            guard Self.isCode(code) else {
                throw .invalidValue(what: "currency code", value: code, expected: "a three-letter ISO 4217 code such as KRW")
            }
            guard rate.isFinite, rate > 0 else {
                throw .invalidValue(what: "rate of \(code) per \(base)", value: "\(rate)", expected: "a positive number")
            }
            rates[code] = rate
        }
        if let own = rates[base], own != 1 {
            throw .invalidValue(what: "rate of the base \(base)", value: "\(own)", expected: "1 (or leave it out)")
        }
        rates[base] = 1
        self.base = base
        self.date = date
        self.source = source
        self.unitsPerBase = rates
    }

    /// Every known code, sorted.
    public var codes: [String] { unitsPerBase.keys.sorted() }

    /// Units of `to` per one unit of `from`.
    public func rate(from: String, to: String) throws(CatalogError) -> Double {
        try units(of: to) / units(of: from)
    }

    public func convert(_ amount: Double, from: String, to: String) throws(CatalogError) -> Double {
        amount * (try rate(from: from, to: to))
    }

    private func units(of code: String) throws(CatalogError) -> Double {
        guard let rate = unitsPerBase[code.uppercased()] else { throw .unknownCurrency(code, known: codes) }
        return rate
    }

    private static func isCode(_ s: String) -> Bool {
        s.unicodeScalars.count == 3 && s.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) }
    }
}
