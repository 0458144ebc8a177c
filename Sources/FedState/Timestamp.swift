import Foundation

/// Times in the state file are ISO-8601 UTC text with milliseconds: readable with the
/// `sqlite3` shell, sortable as text, and exact enough to order journal steps.
enum Timestamp {
    private static let precise = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let plain = Date.ISO8601FormatStyle()

    static func string(_ date: Date) -> String { precise.format(date) }

    /// Parses what `string` writes on a fast path (a snapshot parses thousands of these), and
    /// anything else ISO-8601 through Foundation; a hand-edited or foreign value becomes the
    /// epoch rather than a crash.
    static func date(_ text: String) -> Date {
        fixedFormat(text) ?? (try? precise.parse(text)) ?? (try? plain.parse(text))
            ?? Date(timeIntervalSince1970: 0)
    }

    /// Second precision, for human messages.
    static func display(_ date: Date) -> String { plain.format(date) }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` exactly, or nil.
    private static func fixedFormat(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 24, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54,
                bytes[13] == 0x3A, bytes[16] == 0x3A, bytes[19] == 0x2E, bytes[23] == 0x5A
            else { return nil }
            func number(_ start: Int, _ length: Int) -> Int? {
                var value = 0
                for index in start..<start + length {
                    let digit = Int(bytes[index]) - 0x30
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                let millis = number(20, 3), (1...12).contains(month), (1...31).contains(day),
                hour < 24, minute < 60, second < 61
            else { return nil }
            let seconds = daysSinceEpoch(year: year, month: month, day: day) * 86_400
                + hour * 3600 + minute * 60 + second
            return Date(timeIntervalSince1970: Double(seconds) + Double(millis) / 1000)
        }
    }

    /// Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
