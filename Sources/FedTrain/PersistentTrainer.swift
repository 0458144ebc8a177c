import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The persistent mode of the external trainer (`trainer: { command: [...], persistent: true }`):
/// the program starts once per run on a VM and takes every round of that VM over a line protocol,
/// so a framework imports and initialises its GPU once instead of every round.
///
/// Agents stay one process per round, so the trainer outlives them: the first agent starts it
/// detached (its own session) with its standard input and output on two FIFOs in
/// `<working directory>/trainer/` (`in`, `out`) and records it in `trainer.json` (pid, start time,
/// command); later agents find it there and talk to it. One round: the agent writes one JSON line
/// to `in` (an `id` plus the one-shot contract's `FEDPLANE_*` variables as strings), the program
/// does the round exactly as the one-shot contract says and writes one JSON line to its standard
/// output, `{"id": …, "ok": true}` or `{"id": …, "ok": false, "error": "…"}`. Lines with another id
/// (a reply to an agent that died waiting) are skipped. A program that exits, or sends no reply
/// within the task timeout (then it is killed with its process group), fails the attempt; the
/// next attempt starts a new one. `stop(workingDirectory:)` ends it (at the end of a run, destroy).
/// examples/numpy-trainer/README.md documents the protocol for users.
public struct PersistentTrainer: Sendable {
    public var executable: URL
    public var arguments: [String]
    public var workingDirectory: URL
    /// The environment the program starts with (the agent's, plus `FEDPLANE_TRAINER_MODE=persistent`).
    public var environment: [String: String]
    public var killGracePeriod: Double

    public init(executable: URL, arguments: [String], workingDirectory: URL, environment: [String: String], killGracePeriod: Double = 2) {
        self.executable = executable
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.killGracePeriod = killGracePeriod
    }

    /// Where a VM's persistent trainer keeps its FIFOs, record and stderr log.
    public static func directory(_ workingDirectory: URL) -> URL { workingDirectory.appendingPathComponent("trainer") }

    /// What `trainer.json` records of the running program.
    struct Record: Codable, Equatable {
        var pid: Int32
        /// The process's start time (/proc/<pid>/stat field 22), so a reused pid is not taken for it.
        var start: UInt64
        var command: [String]
    }

    /// How a round with the persistent program ended, when it did not succeed.
    public enum Failure: Error, Equatable {
        case exited(stderrTail: String)
        case timedOut(stderrTail: String)
        case reported(String)
        case cannotStart(String)
    }

    var command: [String] { [executable.path] + arguments }
    var dir: URL { Self.directory(workingDirectory) }
    var recordFile: URL { dir.appendingPathComponent("trainer.json") }
    var stderrLog: URL { dir.appendingPathComponent("stderr.log") }

    /// Runs one round: `variables` are the one-shot contract's environment variables.
    public func round(_ variables: [String: String], timeout: Double) throws(Failure) {
        let record = try running()
        let id = UUID().uuidString
        var message = variables
        message["id"] = id
        guard let json = try? JSONSerialization.data(withJSONObject: message, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            throw .cannotStart("the round's request does not encode as JSON")
        }
        try send(json + Data("\n".utf8), to: record)
        try awaitReply(id: id, from: record, timeout: timeout)
    }

    /// The live program of this working directory with this command, started when there is none.
    func running() throws(Failure) -> Record {
        if let data = try? Data(contentsOf: recordFile), let record = try? JSONDecoder().decode(Record.self, from: data) {
            if record.command == command, Self.isAlive(record) { return record }
            // Another command (the spec changed) or a dead program: start afresh.
            Self.stop(record, grace: killGracePeriod)
        }
        return try start()
    }

    func start() throws(Failure) -> Record {
        let fm = FileManager.default
        let input = dir.appendingPathComponent("in"), output = dir.appendingPathComponent("out")
        do { try fm.createDirectory(at: dir, withIntermediateDirectories: true) } catch { throw .cannotStart("\(dir.path): \(error)") }
        for fifo in [input, output] {
            unlink(fifo.path)
            guard mkfifo(fifo.path, 0o600) == 0 else { throw .cannotStart("cannot create the FIFO \(fifo.path): \(String(cString: strerror(errno)))") }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Read-write opens: the program keeps its FIFOs open whoever comes and goes, so an agent
        // closing its end is no end of input, and a write never fails for want of a reader.
        posix_spawn_file_actions_addopen(&actions, 0, input.path, O_RDWR, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_RDWR, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrLog.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s: Int32 in 1..<32 where s != SIGKILL && s != SIGSTOP { sigaddset(&defaults, s) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        // Its own session (and process group): the agent that started it exits after its round,
        // and stopping an agent's process tree must not reach the trainer later agents use.
        posix_spawnattr_setflags(&attributes, Int16(Self.spawnSetsid | Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)))
        // /bin/sh changes to the working directory and execs the program (posix_spawn has no
        // portable chdir).
        let argv = (["/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "fedplane-trainer", workingDirectory.path] + command).map { strdup($0) } + [nil]
        let env = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in env { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, env)
        guard rc == 0 else { throw .cannotStart("cannot start \(command.joined(separator: " ")): \(String(cString: strerror(rc)))") }
        let record = Record(pid: pid, start: Self.startTime(pid) ?? 0, command: command)
        do {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            try e.encode(record).write(to: recordFile, options: .atomic)
        } catch {
            Self.stop(record, grace: 0)
            throw .cannotStart("cannot record the trainer in \(recordFile.path): \(error)")
        }
        return record
    }

    func send(_ line: Data, to record: Record) throws(Failure) {
        let fd = open(dir.appendingPathComponent("in").path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .exited(stderrTail: tail()) }
        defer { close(fd) }
        // One write of less than PIPE_BUF bytes is atomic: lines of concurrent writers never mix.
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw .cannotStart("the request to the trainer was not written whole (\(written) of \(line.count) bytes)") }
    }

    func awaitReply(id: String, from record: Record, timeout: Double) throws(Failure) {
        let fd = open(dir.appendingPathComponent("out").path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .exited(stderrTail: tail()) }
        defer { close(fd) }
        let deadline = Date().addingTimeInterval(timeout)
        var pending = Data()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, 100)
            if ready > 0 {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    pending.append(contentsOf: chunk[0..<n])
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = pending[pending.startIndex..<newline]
                        pending = Data(pending[(newline + 1)...])
                        guard let reply = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                              reply["id"] as? String == id else { continue }
                        if reply["ok"] as? Bool == true { return }
                        throw .reported((reply["error"] as? String) ?? "the trainer reported a failure without an error message")
                    }
                }
            }
            guard Self.isAlive(record) else {
                try? FileManager.default.removeItem(at: recordFile)
                throw .exited(stderrTail: tail())
            }
            if Date() >= deadline {
                // A hung trainer is stopped; the next attempt starts a new one.
                Self.stop(record, grace: killGracePeriod)
                try? FileManager.default.removeItem(at: recordFile)
                throw .timedOut(stderrTail: tail())
            }
        }
    }

    func tail() -> String { ExternalCommandTrainer.tail(of: stderrLog) }

    /// Stops the persistent trainer of `workingDirectory`, if one runs (SIGTERM to its process
    /// group, SIGKILL after `grace` seconds). Returns whether one was running.
    @discardableResult
    public static func stop(workingDirectory: URL, grace: Double = 2) -> Bool {
        let file = directory(workingDirectory).appendingPathComponent("trainer.json")
        guard let data = try? Data(contentsOf: file), let record = try? JSONDecoder().decode(Record.self, from: data) else { return false }
        let alive = isAlive(record)
        stop(record, grace: grace)
        try? FileManager.default.removeItem(at: file)
        return alive
    }

    static func stop(_ record: Record, grace: Double) {
        guard isAlive(record) else { return }
        kill(-record.pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while isAlive(record) && Date() < deadline { usleep(20_000) }
        if isAlive(record) { kill(-record.pid, SIGKILL) }
        // Reap it when this process started it (else init does).
        var status: Int32 = 0
        _ = waitpid(record.pid, &status, WNOHANG)
    }

    /// Alive and the same process (not a zombie, not a reused pid).
    static func isAlive(_ record: Record) -> Bool {
        guard record.pid > 0, kill(record.pid, 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/\(record.pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return false }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return false }
        return record.start == 0 || UInt64(fields[19]) == record.start
        #else
        return true
        #endif
    }

    static func startTime(_ pid: pid_t) -> UInt64? {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
        #else
        return nil
        #endif
    }

    #if os(Linux)
    /// glibc's POSIX_SPAWN_SETSID (not exported to Swift).
    static let spawnSetsid: Int32 = 0x80
    #else
    static let spawnSetsid: Int32 = 0x400
    #endif
}
