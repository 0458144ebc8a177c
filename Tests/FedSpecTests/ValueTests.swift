import Testing
@testable import FedSpec

@Suite struct ValueTests {
    @Test(arguments: [("250ms", 250.0), ("1.5s", 1500.0), ("2m", 120_000.0), ("1h", 3_600_000.0), ("0.5 s", 500.0)] as [(String, Double)])
    func durations(text: String, ms: Double) throws {
        #expect(try TimeSpan.parse(text).get().milliseconds == ms)
    }

    @Test func durationErrorsSayWhatIsAccepted() {
        guard case .failure(let e) = TimeSpan.parse("250") else { Issue.record("accepted 250"); return }
        #expect(e.message == "\"250\" has no unit; add one of ms, s, m, h")
        guard case .failure(let e2) = TimeSpan.parse("3 days") else { Issue.record("accepted days"); return }
        #expect(e2.message.contains("unknown unit \"days\""))
        guard case .failure = TimeSpan.parse("fast") else { Issue.record("accepted text"); return }
    }

    @Test(arguments: [("26MB", 26e6), ("4GiB", 4 * 1_073_741_824.0), ("512KiB", 524_288.0), ("1.5GB", 1.5e9), ("10B", 10.0)] as [(String, Double)])
    func sizes(text: String, bytes: Double) throws {
        #expect(try ByteSize.parse(text).get().bytes == bytes)
    }

    @Test func sizeUnitsAreCaseSensitive() {
        // "mb" would be millibits: ambiguous, so refused rather than guessed.
        guard case .failure = ByteSize.parse("26mb") else { Issue.record("accepted 26mb"); return }
    }

    @Test func bandwidthAndTransferTime() throws {
        let b = try Bandwidth.parse("200Mbps").get()
        #expect(b.bitsPerSecond == 200e6)
        #expect(abs(b.transferSeconds(try ByteSize.parse("26MB").get()) - 1.04) < 1e-9)
        #expect(b.description == "200Mbps")
    }

    @Test func weightsAreNormalised() throws {
        let w = try #require(Weights(cost: 9, latency: 1))
        #expect(abs(w.cost - 0.9) < 1e-12 && abs(w.latency - 0.1) < 1e-12)
        #expect(Weights(cost: 0, latency: 0) == nil)
        #expect(Weights(cost: -1, latency: 2) == nil)
        #expect(Weights(cost: 0, latency: 3)?.latency == 1)
    }

    @Test func descriptions() {
        #expect(TimeSpan(milliseconds: 250).description == "250ms")
        #expect(TimeSpan(milliseconds: 2000).description == "2s")
        #expect(Money(amount: 85000, currency: .KRW).description == "85000 KRW")
        #expect(ByteSize(bytes: 26e6).description == "26MB")
    }
}
