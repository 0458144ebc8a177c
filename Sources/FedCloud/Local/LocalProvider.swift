import FedDigest
import Foundation

/// The embedded default provider: each resource is a working directory on this machine,
/// `<root>/<kind>/<name>/`, holding `resource.json` (what it was asked to be). The aggregator
/// also gets a reserved TCP port on 127.0.0.1 that later stages start the real server on.
public struct LocalProvider: Provider, VMProber {
    public let kind = "local"
    public let root: URL

    public init(root: URL) { self.root = root }

    static let manifest = "resource.json"

    public func directory(for address: String, kind: ResourceKind) -> URL {
        let name = String(address.drop { $0 != "." }.dropFirst())
        return root.appendingPathComponent(kind.rawValue).appendingPathComponent(name)
    }

    public func create(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource {
        let dir = directory(for: request.address, kind: request.kind)
        try perform(request.address, "mkdir \(dir.path)") {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        if request.kind == .aggregator, port(in: dir) == nil {
            let p = try reservePort(request.address)
            try perform(request.address, "write \(dir.path)/port") {
                try Self.writeAtomically(Data("\(p)\n".utf8), to: dir.appendingPathComponent("port"))
            }
        }
        if request.kind == .participant { try syncVMs(request, in: dir) }
        try writeManifest(request, in: dir)
        return observe(request.address, kind: request.kind, dir)
    }

    public func read(address: String, kind: ResourceKind) throws(ProviderError) -> ObservedResource? {
        let dir = directory(for: address, kind: kind)
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(Self.manifest).path) else { return nil }
        return observe(address, kind: kind, dir)
    }

    public func update(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource {
        try create(request)
    }

    public func delete(address: String, kind: ResourceKind) throws(ProviderError) {
        let dir = directory(for: address, kind: kind)
        guard FileManager.default.fileExists(atPath: dir.path) else { return }
        try perform(address, "remove \(dir.path)") { try FileManager.default.removeItem(at: dir) }
        // Leave no empty per-kind folders behind once the last resource of a kind is gone.
        let parent = dir.deletingLastPathComponent()
        if (try? FileManager.default.contentsOfDirectory(atPath: parent.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: parent)
        }
    }

    // MARK: - Participant VMs

    /// A participant's VMs are directories `<participant>/vms/<id>/`: one per VM of the inventory,
    /// removed when the VM leaves it.
    public func vmDirectory(participant: String, vm: String) -> URL {
        directory(for: "participant.\(participant)", kind: .participant).appendingPathComponent("vms").appendingPathComponent(vm)
    }

    private func syncVMs(_ request: ResourceRequest, in dir: URL) throws(ProviderError) {
        guard case .array(let vms)? = request.inputs["vms"] else { return }
        let ids = Set(vms.compactMap { $0["id"]?.stringValue })
        let vmsDir = dir.appendingPathComponent("vms")
        for id in ids.sorted() {
            let d = vmsDir.appendingPathComponent(id)
            try perform(request.address, "mkdir \(d.path)") { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        }
        for old in (try? FileManager.default.contentsOfDirectory(atPath: vmsDir.path)) ?? [] where !ids.contains(old) {
            try perform(request.address, "remove \(vmsDir.path)/\(old)") { try FileManager.default.removeItem(at: vmsDir.appendingPathComponent(old)) }
        }
    }

    // MARK: -

    private func observe(_ address: String, kind: ResourceKind, _ dir: URL) -> ObservedResource {
        var attributes: [String: JSONValue] = ["workdir": .string(dir.path)]
        if kind == .aggregator, let p = port(in: dir) {
            attributes["port"] = .number(Double(p))
            attributes["endpoint"] = .string("https://127.0.0.1:\(p)")
        }
        let relative = dir.path.hasPrefix(root.path) ? String(dir.path.dropFirst(root.path.count + 1)) : dir.path
        return ObservedResource(providerID: "local:" + relative, attributes: .object(attributes))
    }

    private func port(in dir: URL) -> Int? {
        guard let text = try? String(contentsOf: dir.appendingPathComponent("port"), encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func writeManifest(_ request: ResourceRequest, in dir: URL) throws(ProviderError) {
        let doc: JSONValue = ["address": .string(request.address), "kind": .string(request.kind.rawValue), "inputs": request.inputs]
        try perform(request.address, "write \(dir.path)/\(Self.manifest)") {
            try Self.writeAtomically(Data(doc.canonical.utf8), to: dir.appendingPathComponent(Self.manifest))
        }
    }

    /// Write-then-rename, so a kill never leaves a half-written manifest that reads as a resource.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        try data.write(to: tmp)
        guard rename(tmp.path, url.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
    }

    /// A free 127.0.0.1 port for the aggregator to bind when it starts (seconds later, or days
    /// later for the next run), picked at random below the kernel's ephemeral range. A port from
    /// bind(0), released, stays in the pool the kernel hands to every other bind(0) and outgoing
    /// connection, and one such process took it before the aggregator started; below the range
    /// only a process that asks for the number can. Never one this root's other aggregators hold
    /// (a hierarchical federation's regional ones are not running when the next is created).
    private func reservePort(_ address: String) throws(ProviderError) -> Int {
        let range = Self.reservableRange()
        var random = SystemRandomNumberGenerator()
        return try reservePort(address, candidates: (0..<256).map { _ in Int.random(in: range, using: &random) })
    }

    /// The first candidate no other aggregator of this root records and nothing has bound.
    func reservePort(_ address: String, candidates: [Int]) throws(ProviderError) -> Int {
        let aggregators = root.appendingPathComponent(ResourceKind.aggregator.rawValue)
        let taken = Set(((try? FileManager.default.contentsOfDirectory(atPath: aggregators.path)) ?? [])
            .compactMap { port(in: aggregators.appendingPathComponent($0)) })
        return try Self.firstFree(address, candidates: candidates.filter { !taken.contains($0) })
    }

    /// Ports 10000 up to the start of the ephemeral range (`ip_local_port_range`: 32768 unless
    /// the machine changed it); the whole unprivileged range when that leaves too few.
    static func reservableRange() -> ClosedRange<Int> {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let low = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? 32768
        return low - 10000 >= 1000 ? 10000...(low - 1) : 1024...65535
    }

    /// The first candidate nothing on this machine has bound (checked by binding it).
    static func firstFree(_ address: String, candidates: [Int]) throws(ProviderError) -> Int {
        var tried = 0
        for port in candidates {
            tried += 1
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                throw ProviderError(provider: "local", address: address, operation: "socket", message: String(cString: strerror(errno)), retryable: false)
            }
            defer { close(fd) }
            if bind(fd, port: port) { return port }
        }
        throw ProviderError(provider: "local", address: address, operation: "reserve a port on 127.0.0.1",
                            message: "all \(tried) ports tried are in use or held by this federation's other aggregators", retryable: false)
    }

    static func canBind(_ port: Int) -> Bool {
        (try? firstFree("", candidates: [port])) != nil
    }

    private static func bind(_ fd: Int32, port: Int) -> Bool {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private func perform(_ address: String, _ operation: String, _ body: () throws -> Void) throws(ProviderError) {
        do { try body() } catch {
            throw failure(address, operation, "\(error.localizedDescription)")
        }
    }

    private func failure(_ address: String, _ operation: String, _ message: String) -> ProviderError {
        ProviderError(provider: kind, address: address, operation: operation, message: message, retryable: false)
    }

    /// The local health probe: the VM's directory must exist and take a heartbeat write. Tests
    /// make a VM fail by leaving a `FAIL` file in it (its text is the reason) or hang with `HANG`.
    public func probe(participant: String, vm: String, timeoutSeconds: Double, readOnly: Bool) -> VMHealth {
        let participantDir = directory(for: "participant.\(participant)", kind: .participant)
        guard FileManager.default.fileExists(atPath: participantDir.path) else { return .notProvisioned }
        let dir = vmDirectory(participant: participant, vm: vm)
        guard FileManager.default.fileExists(atPath: dir.path) else { return .unhealthy("its working directory \(dir.path) is missing") }
        if let why = try? String(contentsOf: dir.appendingPathComponent("FAIL"), encoding: .utf8) {
            let text = why.trimmingCharacters(in: .whitespacesAndNewlines)
            return .unhealthy(text.isEmpty ? "it reports a failure" : text)
        }
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("HANG").path) {
            // A hung VM answers nothing: the prober waits out its timeout, as it would for a real one.
            usleep(UInt32(min(max(timeoutSeconds, 0), 3600) * 1_000_000))
            return .timedOut
        }
        if readOnly {
            if access(dir.path, W_OK) == 0 { return .healthy }
            // A read-only mount is how this host sees the directory (someone reading a copy of
            // the state), not a fault of the VM: apply's probe, which writes, decides then.
            if errno == EROFS { return .healthy }
            return .unhealthy("cannot write to \(dir.path): \(String(cString: strerror(errno)))")
        }
        do {
            try Self.writeAtomically(Data("\(Date().timeIntervalSince1970)\n".utf8), to: dir.appendingPathComponent("heartbeat"))
        } catch {
            return .unhealthy("cannot write to \(dir.path): \(error.localizedDescription)")
        }
        return .healthy
    }
}
