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
        let range = LocalProvider.reservableRange()
        // Below the ephemeral range unless this machine's range starts too low to leave room.
        #expect(ephemeralLow < 11000 || range == 10000...(ephemeralLow - 1), "\(range)")
        var ports: [Int] = []
        for n in 1...40 {
            let request = ResourceRequest(address: "aggregator.regional.\(n)", kind: .aggregator, inputs: .object([:]))
            let port = Int(try #require(try provider.create(request).attributes["port"]?.numberValue))
            #expect(range.contains(port), "port \(port)")
            #expect(LocalProvider.canBind(port), "port \(port) is not free")
            #expect(try provider.update(request).attributes["port"]?.numberValue == Double(port))
            ports.append(port)
        }
        // One root's aggregators never share a port, though none of them is listening yet.
        #expect(Set(ports).count == ports.count, "\(ports.sorted())")
    }

    @Test func aPortAnotherAggregatorOfTheRootRecordsIsNotReservedAgain() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-ports-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let provider = LocalProvider(root: root)
        let main = ResourceRequest(address: "aggregator.main", kind: .aggregator, inputs: .object([:]))
        let recorded = Int(try #require(try provider.create(main).attributes["port"]?.numberValue))
        // Not listening (no run), so free to bind: only the record keeps it from a second aggregator.
        #expect(LocalProvider.canBind(recorded))
        let other = try #require((LocalProvider.reservableRange()).first { $0 != recorded && LocalProvider.canBind($0) })
        #expect(try provider.reservePort("aggregator.regional.1", candidates: [recorded, recorded, other]) == other)
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
        #expect(try LocalProvider.firstFree("aggregator.main", candidates: [held, held, next]) == next)
        #expect(throws: ProviderError.self) { try LocalProvider.firstFree("aggregator.main", candidates: [held]) }
        do {
            _ = try LocalProvider.firstFree("aggregator.main", candidates: [held])
        } catch {
            #expect(error.address == "aggregator.main" && error.message == "all 1 ports tried are in use or held by this federation's other aggregators", "\(error)")
        }
    }
}
