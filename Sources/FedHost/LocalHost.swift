import FedProcess
import Foundation

/// This machine, as a host: the same scripts as over SSH, run by the local `/bin/sh`.
public struct LocalHost: Host {
    public init() {}

    public var label: String { "this machine" }

    public func shell(_ script: String, input: URL?, timeout: Double) throws(HostError) -> HostOutput {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-sh-\(UUID().uuidString.prefix(8))")
        do { try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch {
            throw HostError(.failed, host: label, operation: "sh", message: "\(error)")
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        return try HostOutput.capture("/bin/sh", ["-c", script], input: input, timeout: timeout, scratch: scratch, host: label, operation: "sh")
    }
}
