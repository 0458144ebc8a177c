import Foundation
import Testing

@testable import FedState

@Suite struct TimestampTests {
    @Test(arguments: [0.0, 1_700_000_000.123, 951_782_400.5, 4_102_444_799.999, -86_400.25])
    func writtenTimesParseBackExactly(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        let text = Timestamp.string(date)
        #expect(text.count == 24)
        #expect(abs(Timestamp.date(text).timeIntervalSince1970 - seconds) <= 0.001)  // Foundation truncates to the millisecond
    }

    @Test func fastPathAgreesWithFoundation() throws {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for text in ["2024-02-29T23:59:59.999Z", "2000-03-01T00:00:00.000Z", "1999-12-31T12:34:56.789Z"] {
            let foundation = try style.parse(text)
            #expect(abs(Timestamp.date(text).timeIntervalSince(foundation)) < 1e-6, "\(text)")
        }
        #expect(Timestamp.date("2024-05-01T10:00:00Z") == Date(timeIntervalSince1970: 1_714_557_600))
        #expect(Timestamp.date("garbage") == Date(timeIntervalSince1970: 0))
    }
}
