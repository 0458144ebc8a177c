import FedProcess
import Foundation

/// How to reach one host with the system's OpenSSH client. Credentials are paths (an identity
/// file, a known_hosts file), never key material.
public struct SSHTarget: Sendable, Hashable, Codable {
    public var host: String
    public var port: Int
    public var user: String?
    public var identityFile: String?
    public var knownHostsFile: String?
    /// `ProxyJump`: `[user@]host[:port]` of a bastion.
    public var jump: String?
    /// Accept and record an unknown host key (never a changed one). Off unless the spec says so.
    public var trustOnFirstUse: Bool

    public init(host: String, port: Int = 22, user: String? = nil, identityFile: String? = nil, knownHostsFile: String? = nil,
                jump: String? = nil, trustOnFirstUse: Bool = false) {
        self.host = host
        self.port = port
        self.user = user
        self.identityFile = identityFile
        self.knownHostsFile = knownHostsFile
        self.jump = jump
        self.trustOnFirstUse = trustOnFirstUse
    }

    public var label: String { (user.map { "\($0)@" } ?? "") + host + (port == 22 ? "" : ":\(port)") }
}

/// A host reached with `ssh`: BatchMode (never a prompt), strict host-key checking, and one
/// multiplexed connection per host (ControlMaster) so that the many short scripts of a probe or
/// a round cost one round trip each after the first.
public struct SSHHost: Host {
    public let target: SSHTarget
    /// Seconds to wait for the TCP connection and the SSH handshake.
    public var connectTimeout: Int

    public init(_ target: SSHTarget, connectTimeout: Int = 10) {
        self.target = target
        self.connectTimeout = connectTimeout
    }

    public var label: String { target.label }

    static let sshPath = ["/usr/bin/ssh", "/bin/ssh", "/usr/local/bin/ssh"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/ssh"

    /// What every connection checks, to the host and to a bastion alike: never a prompt, the
    /// host key against known_hosts, only the given identity.
    func trustOptions(port: Int) -> [String] {
        var o = ["-o", "BatchMode=yes",
                 "-o", "StrictHostKeyChecking=\(target.trustOnFirstUse ? "accept-new" : "yes")",
                 "-o", "ConnectTimeout=\(connectTimeout)",
                 "-o", "LogLevel=ERROR",
                 "-p", "\(port)"]
        if let k = target.knownHostsFile { o += ["-o", "UserKnownHostsFile=\(k)", "-o", "GlobalKnownHostsFile=/dev/null"] }
        if let i = target.identityFile { o += ["-i", i, "-o", "IdentitiesOnly=yes"] }
        return o
    }

    /// The `ssh` options every connection uses.
    public func options() -> [String] {
        var o = trustOptions(port: target.port) + ["-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"]
        if let dir = try? SSHControl.directory() {
            o += ["-o", "ControlMaster=auto", "-o", "ControlPath=\(dir.path)/%C", "-o", "ControlPersist=30"]
        }
        // Not -J: options given on the command line apply to the destination only, so the jump
        // connection would use ~/.ssh defaults (other keys, other known_hosts, even prompts). A
        // ProxyCommand carries the same checks to the bastion.
        if let j = target.jump { o += ["-o", "ProxyCommand=" + proxyCommand(j)] }
        if let u = target.user { o += ["-l", u] }
        return o
    }

    /// `ssh -W %h:%p` to the bastion `[user@]host[:port]`, with this target's key and host-key rules.
    func proxyCommand(_ jump: String) -> String {
        var rest = Substring(jump)
        var user: String?
        if let at = rest.lastIndex(of: "@") { user = String(rest[..<at]); rest = rest[rest.index(after: at)...] }
        var host = String(rest), port = 22
        if let colon = rest.lastIndex(of: ":"), let p = Int(rest[rest.index(after: colon)...]), !rest.hasPrefix("[") {
            host = String(rest[..<colon])
            port = p
        }
        var words = [Self.sshPath] + trustOptions(port: port)
        if let u = user ?? target.user { words += ["-l", u] }
        return Shell.command(words + ["-W", "%h:%p", host])
    }

    public func shell(_ script: String, input: URL?, timeout: Double) throws(HostError) -> HostOutput {
        let scratch: URL
        do { scratch = try SSHControl.scratch() } catch { throw HostError(.failed, host: label, operation: "ssh", message: "\(error)") }
        defer { try? FileManager.default.removeItem(at: scratch) }
        // The remote side runs the script with sh whatever the user's login shell is.
        let args = options() + ["--", target.host, "exec /bin/sh -c " + Shell.quote(script)]
        let output = try HostOutput.capture(Self.sshPath, args, input: input, timeout: timeout, scratch: scratch, host: label, operation: "ssh")
        if output.status == 255 { throw classify(output.stderr) }
        return output
    }

    /// Turns ssh's own failure (exit 255) into an error that says what to do.
    func classify(_ stderr: String) -> HostError {
        let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        let known = target.knownHostsFile ?? "~/.ssh/known_hosts"
        if text.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") || text.contains("Host key verification failed")
            || text.contains("No ED25519 host key is known") || text.contains("host key is known") {
            let offered = offeredFingerprints().joined(separator: ", ")
            let changed = text.contains("HAS CHANGED")
            let what = changed ? "its host key has CHANGED since it was recorded in \(known)"
                               : "its host key is not in \(known)"
            return HostError(.hostKey, host: label, operation: "ssh host-key check",
                             message: "\(what); the host now offers \(offered.isEmpty ? "a key fedplane could not read" : offered). Nothing was run. Check that fingerprint with the host's owner; if it is right, update \(known) (ssh-keygen -R and ssh-keyscan), or set ssh.trustOnFirstUse for a first contact")
        }
        if text.contains("Permission denied") {
            return HostError(.authentication, host: label, operation: "ssh authentication",
                             message: "the host refused the key\(target.identityFile.map { " \($0)" } ?? ""): \(lastLine(text))")
        }
        return HostError(.unreachable, host: label, operation: "ssh connect", message: lastLine(text).isEmpty ? "the connection failed" : lastLine(text))
    }

    private func lastLine(_ s: String) -> String {
        s.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("@") }.last ?? ""
    }

    /// The SHA-256 fingerprints the host offers now (ssh-keyscan, then ssh-keygen -l).
    func offeredFingerprints() -> [String] {
        guard let scratch = try? SSHControl.scratch() else { return [] }
        defer { try? FileManager.default.removeItem(at: scratch) }
        let scan = scratch.appendingPathComponent("scan"), err = scratch.appendingPathComponent("err")
        guard let p = try? ChildProcess.start(URL(fileURLWithPath: "/usr/bin/ssh-keyscan"), arguments: ["-T", "5", "-p", "\(target.port)", target.host],
                                              directory: scratch, output: .init(stdout: scan, stderr: err, append: false)),
              p.wait(seconds: 10) != nil else { return [] }
        let fp = scratch.appendingPathComponent("fp")
        guard let k = try? ChildProcess.start(URL(fileURLWithPath: "/usr/bin/ssh-keygen"), arguments: ["-l", "-f", scan.path],
                                              directory: scratch, output: .init(stdout: fp, stderr: err, append: false)),
              k.wait(seconds: 10) != nil else { return [] }
        return ((try? String(contentsOf: fp, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count >= 2 else { return nil }
            return "\(parts[1]) (\(parts.last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "()")) } ?? ""))"
        }
    }
}

/// Where fedplane keeps its SSH control sockets and scratch files: a 0700 directory of the user,
/// with one subdirectory per fedplane process. Masters are not shared between commands: a
/// connection opened before a host's key changed must not carry a later command past the check.
public enum SSHControl {
    public static func directory() throws -> URL {
        let base = try userDirectory()
        let dir = base.appendingPathComponent("\(getpid())")
        guard mkdir(dir.path, 0o700) == 0 || errno == EEXIST else {
            throw HostError(.failed, host: "this machine", operation: "ssh control directory", message: "cannot create \(dir.path): \(String(cString: strerror(errno)))")
        }
        return dir
    }

    static func userDirectory() throws -> URL {
        // Short: a unix socket path must fit in 108 bytes (%C adds 40).
        let dir = URL(fileURLWithPath: "/tmp/fedplane-ssh-\(getuid())")
        var st = stat()
        if lstat(dir.path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFDIR, st.st_uid == getuid() else {
                throw HostError(.failed, host: "this machine", operation: "ssh control directory",
                                message: "\(dir.path) exists and is not a directory of this user; remove it")
            }
            if st.st_mode & 0o077 != 0 { chmod(dir.path, 0o700) }
            return dir
        }
        guard mkdir(dir.path, 0o700) == 0 || errno == EEXIST else {
            throw HostError(.failed, host: "this machine", operation: "ssh control directory", message: "cannot create \(dir.path): \(String(cString: strerror(errno)))")
        }
        return dir
    }

    /// A fresh private directory for one command's output files.
    static func scratch() throws -> URL {
        let d = try directory().appendingPathComponent("run-\(UUID().uuidString.prefix(8))")
        guard mkdir(d.path, 0o700) == 0 else {
            throw HostError(.failed, host: "this machine", operation: "ssh", message: "cannot create \(d.path): \(String(cString: strerror(errno)))")
        }
        return d
    }

    /// Ends every multiplexed master connection this process opened (at the end of a command, so
    /// no ssh process outlives it) and removes its directory.
    public static func closeAll() {
        let dir = URL(fileURLWithPath: "/tmp/fedplane-ssh-\(getuid())/\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        guard FileManager.default.fileExists(atPath: dir.path),
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        for name in names where !name.hasPrefix("run-") {
            let sock = dir.appendingPathComponent(name).path
            var st = stat()
            guard lstat(sock, &st) == 0, st.st_mode & S_IFMT == S_IFSOCK else { continue }
            if let p = try? ChildProcess.start(URL(fileURLWithPath: SSHHost.sshPath), arguments: ["-o", "ControlPath=\(sock)", "-O", "exit", "fedplane-master"],
                                               directory: dir, output: .init(stdout: URL(fileURLWithPath: "/dev/null"))) {
                _ = p.wait(seconds: 5)
            }
        }
    }
}
