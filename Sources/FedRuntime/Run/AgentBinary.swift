import FedCloud
import FedDigest
import FedHost
import Foundation

/// Puts this fedplane build on a host, once: `<federation dir>/bin/fedplane-<sha256 prefix>`,
/// copied only when that name is missing (a second apply copies nothing), then checked by
/// running `--version` there so a missing library is named before any task runs.
final class AgentBinary: @unchecked Sendable {
    static let shared = AgentBinary()

    private let lock = NSLock()
    private var digest: String?
    /// Hosts (label + federation directory) where the binary was found working.
    private var ready: Set<String> = []

    /// The running binary's content digest (computed once per process).
    func localDigest() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let digest { return digest }
        let bytes = try [UInt8](Data(contentsOf: RunProcesses.executable, options: .alwaysMapped))
        let d = SHA256.hex(bytes)
        digest = d
        return d
    }

    /// How a process started in a directory one level below the federation directory (a
    /// participant's, the aggregator's) names `binary` as returned by `ensure`.
    static func command(_ binary: String, installed: String?) -> String {
        installed != nil || binary.hasPrefix("/") ? binary : "../bin/\((binary as NSString).lastPathComponent)"
    }

    /// Where `ensure` puts (or finds) the binary on a host.
    func path(federationDirectory: String, installed: String?) throws -> String {
        try installed ?? "\(federationDirectory)/bin/fedplane-\(localDigest().prefix(16))"
    }

    /// The binary's path on the host (absolute, or relative to the login directory), installed
    /// unless the spec names one already there (`installed`).
    func ensure(on host: any FedHost.Host, federationDirectory: String, installed: String? = nil) throws -> String {
        let path = try self.path(federationDirectory: federationDirectory, installed: installed)
        let key = "\(host.label) \(path)"
        lock.lock()
        let known = ready.contains(key)
        lock.unlock()
        if known { return path }
        if installed == nil, try !host.exists(path) {
            try host.put(RunProcesses.executable, to: path, mode: "755", timeout: 600)
        }
        let check = try host.shell("\(Shell.quote(path)) --version", input: nil, timeout: 60)
        guard check.status == 0 else {
            let why = check.stderr.split(separator: "\n").first.map(String.init) ?? "exit \(check.status)"
            let missing = why.range(of: #"lib[^ :]+\.so[^ :]*"#, options: .regularExpression).map { " (missing: \(why[$0]))" } ?? ""
            throw HostError(.failed, host: host.label, operation: "run fedplane --version",
                            message: "this fedplane build cannot run there\(missing): \(why). A host needs Linux on the same architecture with glibc, libcurl, libsqlite3 and libyaml, and the Swift runtime libraries unless fedplane was built with --static-swift-stdlib (see README, \"What a host needs\")")
        }
        lock.lock()
        ready.insert(key)
        lock.unlock()
        return path
    }
}
