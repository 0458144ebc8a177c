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
        let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
        let child: ChildProcess
        do {
            child = try ChildProcess.start(URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script], directory: scratch,
                                           output: .init(stdout: out, stderr: err, append: false), input: input)
        } catch {
            throw HostError(.failed, host: label, operation: "sh", message: "\(error)")
        }
        guard let ended = child.wait(seconds: timeout) else {
            child.stop(grace: 1)
            throw HostError(.timedOut, host: label, operation: "sh", message: "no end within \(Int(timeout)) s")
        }
        return HostOutput(status: ended.status, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}
