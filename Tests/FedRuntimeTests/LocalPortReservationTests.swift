@testable import FedCloud
import FedDigest
import Foundation
import Testing

/// The local provider's aggregator port: reserved at create, bound when a run starts.
@Suite struct LocalPortReservationTests {
    @Test func portsAreReservedBelowTheEphemeralRangeAndKeptAcrossUpdates() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-ports-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let provider = LocalProvider(root: root)
        let text = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
        let ephemeralLow = try #require(text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) })
        for n in 1...12 {
            let request = ResourceRequest(address: "aggregator.regional.\(n)", kind: .aggregator, inputs: .object([:]))
            let port = try #require(try provider.create(request).attributes["port"]?.numberValue)
            #expect(port >= 10000 && Int(port) < ephemeralLow, "port \(port)")
            #expect(LocalProvider.canBind(Int(port)), "port \(port) is not free")
            #expect(try provider.update(request).attributes["port"]?.numberValue == port)
        }
    }

    @Test func aPortSomeoneHoldsIsNeverReserved() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var held = 0
        // Hold a port of the reservable range (the first one free here).
        for p in LocalProvider.reservableRange() {
            addr.sin_port = in_port_t(UInt16(p).bigEndian)
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { held = p; break }
        }
        try #require(held > 0 && listen(fd, 1) == 0)
        #expect(!LocalProvider.canBind(held))
        let next = try #require((held + 1...held + 200).first { LocalProvider.canBind($0) })
        #expect(try LocalProvider.reservePort("aggregator.main", candidates: [held, held, next]) == next)
        #expect(throws: ProviderError.self) { try LocalProvider.reservePort("aggregator.main", candidates: [held]) }
        do {
            _ = try LocalProvider.reservePort("aggregator.main", candidates: [held])
        } catch {
            #expect(error.address == "aggregator.main" && error.message.contains("is in use"), "\(error)")
        }
    }
}
