import Foundation

/// A real PostgreSQL 15 server for the tests: `initdb` into a fresh temp directory, `postgres` on
/// 127.0.0.1 and a unix socket in that directory, one server per test process (each test gets its
/// own database). It runs as the `postgres` user when the tests run as root (postgres refuses root).
///
/// It cannot outlive the tests: a small shell watcher stops it when the test process is gone
/// (also after a crash or SIGKILL), and `stop()` runs at normal exit. Clients log in as `fedplane`
/// with a password (scram-sha-256), so the tests exercise real password authentication and can
/// check the password never leaks.
public final class PostgresServer: @unchecked Sendable {
    /// Debian's newest installed server (`/usr/lib/postgresql/<major>/bin`).
    public static let binaries: String = {
        let root = "/usr/lib/postgresql"
        let majors = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return "\(root)/\(majors.last ?? 15)/bin"
    }()
    /// The `fedplane` role's password: tests look for it in every output.
    public static let password = "canary-Pw-7f3e91d2"
    public let port: Int
    public let directory: URL
    private let process: Process
    private let lock = NSLock()
    private var databases = 0

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    nonisolated(unsafe) private static var sharedServer: PostgresServer?
    private static let sharedLock = NSLock()

    /// The process's server, started on first use.
    public static func shared() throws -> PostgresServer {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if let s = sharedServer { return s }
        let s = try PostgresServer()
        sharedServer = s
        atexit { PostgresServer.sharedServer?.stop() }
        return s
    }

    /// A URL for `postgres://fedplane:<password>@127.0.0.1:<port>/<a new empty database>`.
    public func createDatabase() throws -> String {
        lock.lock()
        databases += 1
        let name = "t\(getpid())_\(databases)"
        lock.unlock()
        try psql("CREATE DATABASE \(name) OWNER fedplane")
        return url(database: name)
    }

    public func url(database: String, password: String = PostgresServer.password) -> String {
        "postgres://fedplane:\(password)@127.0.0.1:\(port)/\(database)"
    }

    /// Runs SQL as the superuser over the unix socket (independent of the code under test).
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try Self.run(asPostgres: ["\(Self.binaries)/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                                  "-h", directory.path, "-p", "\(port)", "-U", "postgres", "-d", database, "-c", sql])
    }

    init() throws {
        var template = Array("/tmp/fedplane-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed") }
        directory = URL(fileURLWithPath: String(cString: made))
        chmod(directory.path, 0o700)
        if getuid() == 0 { _ = try Self.shell(["chown", "postgres:postgres", directory.path]) }
        let data = directory.appendingPathComponent("data").path
        _ = try Self.run(asPostgres: ["\(Self.binaries)/initdb", "-D", data, "-U", "postgres", "--auth-local=trust",
                                      "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"])
        port = try Self.freePort()
        let log = directory.appendingPathComponent("server.log").path
        // The watcher: start postgres, then stop it (fast shutdown) once the test process is gone.
        let script = """
            \(Self.binaries)/postgres -D '\(data)' -k '\(directory.path)' -p \(port) -h 127.0.0.1 \
              -c fsync=off -c max_connections=200 >>'\(log)' 2>&1 &
            pg=$!
            while [ -d /proc/\(getpid()) ] && kill -0 $pg 2>/dev/null; do sleep 0.5; done
            kill -INT $pg 2>/dev/null; wait $pg
            """
        process = Process()
        process.executableURL = URL(fileURLWithPath: getuid() == 0 ? "/usr/sbin/runuser" : "/bin/sh")
        process.arguments = (getuid() == 0 ? ["-u", "postgres", "--", "/bin/sh"] : []) + ["-c", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if (try? psql("SELECT 1")) != nil {
                try psql("CREATE ROLE fedplane LOGIN PASSWORD '\(Self.password)'")
                return
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        stop()
        throw Failure(description: "postgres did not start on 127.0.0.1:\(port) (is Debian's postgresql installed?): \(text)")
    }

    /// Stops the server (fast shutdown) and removes its directory.
    public func stop() {
        if process.isRunning {
            let pidFile = directory.appendingPathComponent("data/postmaster.pid").path
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
               let pid = Int32(text.split(separator: "\n").first ?? "") {
                kill(pid, SIGINT)
            }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: plumbing

    static func run(asPostgres arguments: [String]) throws -> String {
        try shell(getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments : arguments)
    }

    @discardableResult
    static func shell(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: "/")
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(description: "\(arguments.joined(separator: " ")) failed: \(String(decoding: error, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw Failure(description: "no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
