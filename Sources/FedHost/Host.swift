import FedProcess
import Foundation

/// A machine fedplane runs things on: this one (the local provider), or one reached over SSH
/// (a hospital's VM, an aggregator host, later a cloud VM). Everything the runtime does on a
/// host is a shell script run there, so one small interface covers starting processes, copying
/// files, probing resources and stopping process trees on every kind of host.
public protocol Host: Sendable {
    /// How messages name the host, e.g. `root@10.77.0.11:22`.
    var label: String { get }

    /// Runs `script` with `/bin/sh` on the host; `input` (a local file) is its stdin. Waits up to
    /// `timeout` seconds, then stops the local side and throws `HostError` (timedOut).
    func shell(_ script: String, input: URL?, timeout: Double) throws(HostError) -> HostOutput
}

/// What a script printed and how it ended.
public struct HostOutput: Sendable, Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Runs `executable` as a child process (its own process group, stopped with its tree on
    /// timeout) with stdout and stderr in files of the private `scratch` directory.
    /// With no `input`, the child's stdin is a pipe this process keeps open until the child
    /// ends, never written: its end-of-file tells the script (or the far side of ssh) that
    /// fedplane is gone — killed, or its client stopped — so a watchdog there can act.
    static func capture(_ executable: String, _ arguments: [String], input: URL?, timeout: Double, scratch: URL,
                        host: String, operation: String) throws(HostError) -> HostOutput {
        let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
        var stdin = input
        var held: Int32 = -1
        if input == nil {
            let fifo = scratch.appendingPathComponent("in")
            // Opened read-write here first, so the child's read-only open does not block; the
            // only writer is this process (close-on-exec keeps it out of every other child).
            if mkfifo(fifo.path, 0o600) == 0 {
                held = open(fifo.path, O_RDWR | O_CLOEXEC)
                if held >= 0 { stdin = fifo }
            }
        }
        defer { if held >= 0 { close(held) } }
        let child: ChildProcess
        do {
            child = try ChildProcess.start(URL(fileURLWithPath: executable), arguments: arguments, directory: scratch,
                                           output: .init(stdout: out, stderr: err, append: false), input: stdin)
        } catch {
            throw HostError(.failed, host: host, operation: operation, message: "\(error)")
        }
        guard let ended = child.wait(seconds: timeout) else {
            child.stop(grace: 1)
            throw HostError(.timedOut, host: host, operation: operation, message: "no answer within \(Int(timeout)) s")
        }
        return HostOutput(status: ended.status, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// The last lines of stderr (else stdout), for an error message.
    public var tail: String {
        let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? stdout : stderr
        return text.split(separator: "\n").suffix(3).joined(separator: " / ")
    }
}

/// A host could not do what was asked: which host, what, and what it answered.
public struct HostError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The connection failed (refused, timed out, dropped): trying elsewhere or later may help.
        case unreachable
        /// The host's key is unknown or changed: nothing is run until a person decides.
        case hostKey
        /// Authentication was refused (key not accepted).
        case authentication
        /// The command ran and failed.
        case failed
        case timedOut
    }

    public var kind: Kind
    public var host: String
    public var operation: String
    public var message: String

    public init(_ kind: Kind, host: String, operation: String, message: String) {
        self.kind = kind
        self.host = host
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(host): \(operation): \(message)" }

    /// Whether the same step may succeed on another try or another host.
    public var retryable: Bool { kind == .unreachable || kind == .timedOut }
}

/// What a host reports about itself (the observed side of a VM's inventory entry).
public struct HostFacts: Sendable, Equatable, Codable {
    public var vcpu: Int
    public var memoryGiB: Double
    /// Free space where fedplane works on the host.
    public var freeDiskGiB: Double
    /// The 1-minute load average.
    public var load: Double
    /// `uname -sm`, e.g. `Linux x86_64`.
    public var system: String

    public init(vcpu: Int, memoryGiB: Double, freeDiskGiB: Double, load: Double, system: String) {
        self.vcpu = vcpu
        self.memoryGiB = memoryGiB
        self.freeDiskGiB = freeDiskGiB
        self.load = load
        self.system = system
    }
}
