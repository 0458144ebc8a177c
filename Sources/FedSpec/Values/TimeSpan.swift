/// A duration written with a unit (`250ms`, `1.5s`, `2m`, `1h`). Kept in milliseconds.
public struct TimeSpan: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Double

    public init(milliseconds: Double) { self.milliseconds = milliseconds }

    public var seconds: Double { milliseconds / 1000 }

    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.milliseconds < b.milliseconds }

    static let units: [(suffix: String, ms: Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]

    /// Parses `<number><unit>`; nil with a reason otherwise.
    public static func parse(_ text: String) -> Result<TimeSpan, UnitError> {
        switch UnitNumber.split(text, units: units.map(\.suffix)) {
        case .failure(let e): return .failure(e)
        case .success(let (value, unit)):
            let factor = units.first { $0.suffix == unit }!.ms
            return .success(TimeSpan(milliseconds: value * factor))
        }
    }

    public var description: String {
        if milliseconds < 1000 || milliseconds.truncatingRemainder(dividingBy: 1000) != 0 {
            return UnitNumber.format(milliseconds) + "ms"
        }
        return UnitNumber.format(milliseconds / 1000) + "s"
    }
}

/// Why a value with a unit could not be read; the message tells the user what is accepted.
public struct UnitError: Error, Sendable, Equatable {
    public var message: String
}

/// Shared reading of `<number><unit>` text.
enum UnitNumber {
    static func split(_ text: String, units: [String]) -> Result<(Double, String), UnitError> {
        let t = text.trimmingCharacters(in: .whitespaces)
        let numberEnd = t.firstIndex { !($0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "_") } ?? t.endIndex
        let number = String(t[..<numberEnd]).replacingOccurrences(of: "_", with: "")
        let unit = t[numberEnd...].trimmingCharacters(in: .whitespaces)
        let accepted = units.joined(separator: ", ")
        guard !number.isEmpty, let value = Double(number), value.isFinite else {
            return .failure(UnitError(message: "expected a number with a unit (\(accepted)), got \"\(text)\""))
        }
        guard !unit.isEmpty else {
            return .failure(UnitError(message: "\"\(text)\" has no unit; add one of \(accepted)"))
        }
        guard units.contains(unit) else {
            return .failure(UnitError(message: "unknown unit \"\(unit)\" in \"\(text)\"; use one of \(accepted)"))
        }
        return .success((value, unit))
    }

    static func format(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        var s = String(x)
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}

import Foundation
