import FedState
import Foundation

/// Times the state store at case-study scale: N participants, each with a participant and an
/// assignment resource (~300-byte JSON attributes), plus the aggregator's resources.
///
///     fedplane-bench state [--participants 1000] [--repeat 5] [--dir /tmp] [--url postgres://…]
///
/// With `--url`, the same operations run against a PostgreSQL state (a fresh federation name per
/// run, so the database is not reset); backup and file size do not apply there.
enum StateBench {
    static func run(_ args: [String]) throws {
        let participants = Int(value(of: "--participants", in: args) ?? "") ?? 1000
        let repeats = max(1, Int(value(of: "--repeat", in: args) ?? "") ?? 5)
        let base = value(of: "--dir", in: args) ?? NSTemporaryDirectory()
        let dir = (base as NSString).appendingPathComponent("fedstate-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = (dir as NSString).appendingPathComponent("state.db")

        if let url = value(of: "--url", in: args).flatMap(PostgresURL.init) {
            return try runPostgres(url: url, participants: participants, repeats: repeats)
        }
        let store = try StateStore.open(path: path, federation: "bench", create: true)
        let common = try measure(store, participants: participants, repeats: repeats)
        let backup = try best(of: repeats) { _ = try store.backupBeforeApply() }
        store.close()
        let reopen = try best(of: repeats) {
            try StateStore.open(path: path, federation: "bench", create: false).close()
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

        print("fedstate bench: \(participants) participants, \(common.count) resources, file \(size / 1024) KiB")
        common.print()
        print(row("backup (online API)", backup))
        print(row("open (quick_check + migrate)", reopen))
    }

    static func runPostgres(url: PostgresURL, participants: Int, repeats: Int) throws {
        let federation = "bench-\(getpid())-\(Int(Date().timeIntervalSince1970))"
        let store = try PostgresStateStore.open(url: url, federation: federation, create: true)
        let common = try measure(store, participants: participants, repeats: repeats)
        let lock = try best(of: repeats) { try store.unlock(try store.lock(operation: "bench").id) }
        store.close()
        let reopen = try best(of: repeats) {
            try PostgresStateStore.open(url: url, federation: federation, create: false).close()
        }
        print("fedstate bench (PostgreSQL \(url.redacted)): \(participants) participants, \(common.count) resources")
        common.print()
        print(row("lock + unlock", lock))
        print(row("open (connect + check)", reopen))
    }

    /// What both backends are timed on, the same way.
    struct Common {
        var count: Int
        var create, snapshot, rewrite, noOp: Duration
        var noOpKeptSerial: Bool

        func print() {
            Swift.print(row("initial create (1 tx)", create))
            Swift.print(row("snapshot()", snapshot))
            Swift.print(row("full rewrite (1 tx, all changed)", rewrite))
            Swift.print(row("no-op rewrite (1 tx)", noOp) + (noOpKeptSerial ? "  serial unchanged" : "  SERIAL MOVED"))
        }
    }

    private static func measure(_ store: any StateBackend, participants: Int, repeats: Int) throws -> Common {
        let create = try time { try store.write { try populate($0, participants: participants, revision: 1) } }
        let count = try store.snapshot().resources.count
        let snapshot = try best(of: repeats) { _ = try store.snapshot() }
        var revision = 1
        let rewrite = try best(of: repeats) {
            revision += 1
            try store.write { try populate($0, participants: participants, revision: revision) }
        }
        let serialBefore = try store.serial()
        let noOp = try best(of: repeats) {
            try store.write { try populate($0, participants: participants, revision: revision) }
        }
        return Common(count: count, create: create, snapshot: snapshot, rewrite: rewrite, noOp: noOp,
                      noOpKeptSerial: try store.serial() == serialBefore)
    }

    private static func populate(_ tx: StateTransaction, participants: Int, revision: Int) throws {
        let padding = String(repeating: "x", count: 150)
        for index in 0..<participants {
            let name = String(format: "p%04d", index)
            try tx.upsertResource(
                address: "participant.\(name)", type: "participant", provider: "local", providerID: "vm-\(name)",
                attributes: #"{"credential_fingerprint":"sha256:\#(name)","min_memory_mib":4096,"min_vcpu":2,"name":"\#(name)","notes":"\#(padding)","private_cloud":"openstack","revision":\#(revision)}"#,
                inputsHash: "in-\(revision)")
            try tx.upsertResource(
                address: "assignment.\(name)", type: "assignment", provider: "local", providerID: nil,
                attributes: #"{"participant":"\#(name)","queue":["vm-a","vm-b","vm-c"],"reason":"circular queue","notes":"\#(padding)","revision":\#(revision),"vm":"vm-\#(index % 3)"}"#,
                inputsHash: "in-\(revision)")
            try tx.setAssignment(participant: name, vmID: "vm-\(index % 3)", reason: "circular queue")
            try tx.setCursor(participant: name, to: index % 3)
        }
        for part in ["instance", "security-group", "address"] {
            try tx.upsertResource(
                address: "aggregator.\(part)", type: "aggregator-\(part)", provider: "aws", providerID: "i-\(part)",
                attributes: #"{"instance_type":"t3.medium","region":"eu-west-1","revision":\#(revision)}"#,
                inputsHash: "in-\(revision)")
        }
    }

    private static func value(of flag: String, in args: [String]) -> String? {
        guard let index = args.firstIndex(of: flag), index + 1 < args.count else { return nil }
        return args[index + 1]
    }

    private static func time(_ body: () throws -> Void) rethrows -> Duration {
        let start = ContinuousClock.now
        try body()
        return ContinuousClock.now - start
    }

    /// Best of n: the least disturbed run on a shared machine.
    private static func best(of n: Int, _ body: () throws -> Void) rethrows -> Duration {
        var best = Duration.seconds(3600)
        for _ in 0..<n { best = min(best, try time(body)) }
        return best
    }

    private static func row(_ label: String, _ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return label.padding(toLength: 36, withPad: " ", startingAt: 0) + String(format: "%9.2f ms", ms)
    }
}
