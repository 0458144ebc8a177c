import FedState
import Foundation

/// A fresh directory for one test's real state files, removed afterwards. A closure rather
/// than a deinit: ARC may end an object's life before the test is done with its files.
struct TemporaryDirectory {
    let url: URL

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("fedstate-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(TemporaryDirectory(url: url))
}

func fileBytes(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
}

/// A fixed instant, so lock messages and timestamps can be asserted exactly.
let fixedDate = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14T22:13:20Z

/// ~300 bytes of canonical JSON, like a participant's recorded attributes.
func participantAttributes(_ name: String, revision: Int = 1) -> String {
    let padding = String(repeating: "x", count: 180)
    return #"{"credential_fingerprint":"sha256:\#(name)","min_vcpu":2,"name":"\#(name)","notes":"\#(padding)","private_cloud":"openstack","revision":\#(revision)}"#
}

extension StateTransaction {
    /// Upserts a participant resource with the usual shape.
    @discardableResult
    func putParticipant(_ name: String, revision: Int = 1) throws -> Bool {
        try upsertResource(
            address: "participant.\(name)", type: "participant", provider: "local", providerID: "p-\(name)",
            attributes: participantAttributes(name, revision: revision), inputsHash: "h\(revision)")
    }
}

/// A pid that certainly existed and now does not: run /bin/true and reap it.
func deadProcessID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}

/// A state file with `count` participants, closed (WAL checkpointed into the main file).
func makePopulatedState(at path: String, count: Int) throws {
    let store = try StateStore.open(path: path, federation: "fed", create: true)
    try store.write { tx in
        for index in 0..<count { try tx.putParticipant("p\(index)") }
    }
    store.close()
}

/// A value shared between a test and the threads it starts.
final class Atomic<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    func mutate(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
