import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a child ended.
public enum Termination: Equatable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    /// The status a shell would report: the exit code, or 128 + the signal.
    public var status: Int32 {
        switch self {
        case .exited(let code): return code
        case .signalled(let signal): return 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exited \(code)"
        case .signalled(let signal): return "killed by signal \(signal)"
        }
    }

    /// Decodes a `waitpid` status (the WIFEXITED/WTERMSIG macros, which Swift cannot import).
    init(waitStatus s: Int32) {
        self = s & 0x7f == 0 ? .exited((s >> 8) & 0xff) : .signalled(s & 0x7f)
    }
}

public struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// A process fedplane starts: the aggregator, an agent, an external trainer (and later, the
/// same on an SSH host). Each child leads a new process group and starts with default signal
/// dispositions and an empty signal mask, whatever this process has set up for itself. `stop`
/// ends the child together with everything it started (`ProcessTree`). Every running child is
/// registered, so a signal to fedplane can stop them all (`stopAll`), and once `Shutdown` is
/// requested no new child starts.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    public let executable: String
    private let mutex = NSLock()
    private var ended: Termination?

    private init(pid: pid_t, executable: String) {
        self.pid = pid
        self.executable = executable
    }

    /// Where the child's stdout and stderr go. Each file is created when missing; `append`
    /// keeps what is there (a log shared by restarts), else it is truncated.
    public struct Output: Sendable {
        public var stdout: URL
        public var stderr: URL
        public var append: Bool

        public init(stdout: URL, stderr: URL? = nil, append: Bool = true) {
            self.stdout = stdout
            self.stderr = stderr ?? stdout
            self.append = append
        }
    }

    /// Starts `executable` (an absolute path) with `arguments` in `directory`; stdin is `input`
    /// (a file: how bytes reach an `ssh` child without a command line) or /dev/null.
    /// `environment` nil: this process's environment.
    public static func start(_ executable: URL, arguments: [String], environment: [String: String]? = nil,
                             directory: URL, output: Output, input: URL? = nil) throws -> ChildProcess {
        if let reason = Shutdown.reason, !(isCleaningUp && !Shutdown.isUrgent) {
            throw ChildProcessError(description: "not starting \(executable.lastPathComponent): \(reason)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        let flags = O_WRONLY | O_CREAT | (output.append ? O_APPEND : O_TRUNC)
        posix_spawn_file_actions_addopen(&actions, 0, input?.path ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.stdout.path, flags, 0o644)
        if output.stderr == output.stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, output.stderr.path, flags, 0o644)
        }
        // Nothing else this process has open reaches the child: an inherited pipe or socket
        // (a caller's output pipe, Foundation's process-monitoring socket) would otherwise stay
        // open as long as the child lives, and whoever waits for its end would wait for ours.
        closeInheritedDescriptors(&actions)
        guard addChdir(&actions, directory.path) == 0 else {
            throw ChildProcessError(description: "cannot start \(executable.path) in \(directory.path): posix_spawn cannot change directory here")
        }

        // A new process group (pgid = pid), default dispositions for every catchable signal (a
        // signal this process ignores must not stay ignored in the child), nothing blocked.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s: Int32 in 1..<32 where s != SIGKILL && s != SIGSTOP { sigaddset(&defaults, s) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in env { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable.path, &actions, &attributes, argv, env)
        guard rc == 0 else {
            throw ChildProcessError(description: "cannot start \(executable.path): \(String(cString: strerror(rc)))")
        }
        let child = ChildProcess(pid: pid, executable: executable.path)
        Self.registry.add(child)
        return child
    }

    /// Runs `body` on this thread allowing new children while a shutdown is under way (not after
    /// a second signal): stopping what a run left on other hosts takes an `ssh` of its own.
    public static func cleanup<T>(_ body: () throws -> T) rethrows -> T {
        let key = cleanupKey
        let before = Thread.current.threadDictionary[key] as? Int ?? 0
        Thread.current.threadDictionary[key] = before + 1
        defer { Thread.current.threadDictionary[key] = before }
        return try body()
    }

    private static let cleanupKey = "fedplane.ChildProcess.cleanup"
    private static var isCleaningUp: Bool { (Thread.current.threadDictionary[cleanupKey] as? Int ?? 0) > 0 }

    /// The termination, if the child has ended (reaps it).
    public var termination: Termination? {
        mutex.lock()
        defer { mutex.unlock() }
        if let ended { return ended }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid {
            ended = Termination(waitStatus: status)
        } else if r == -1 && errno == ECHILD {
            ended = .signalled(SIGKILL)  // reaped elsewhere; its status is lost
        }
        if ended != nil { Self.registry.remove(self) }
        return ended
    }

    public var isRunning: Bool { termination == nil }

    /// Waits until the child ends, or `seconds` pass (nil: no limit). Nil when still running.
    @discardableResult
    public func wait(seconds: Double? = nil) -> Termination? {
        let deadline = seconds.map { Date().addingTimeInterval($0) }
        while true {
            if let t = termination { return t }
            if let deadline, Date() >= deadline { return nil }
            usleep(5_000)
        }
    }

    /// Stops the child and everything it started: SIGTERM to the whole tree, SIGKILL to what is
    /// left after `grace` seconds. Returns how the child itself ended.
    @discardableResult
    public func stop(grace: Double) -> Termination {
        if let t = termination { ProcessTree.stop(root: pid, grace: 0); return t }
        ProcessTree.stop(root: pid, grace: grace, reap: { [self] in _ = self.termination })
        return wait() ?? .signalled(SIGKILL)
    }

    /// Sends `signal` to the child's process group (and the child, should it have left the group).
    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        kill(-pid, signal)
        kill(pid, signal)
    }

    // MARK: every running child

    static let registry = Registry()

    /// The children started and not yet seen to end.
    public static var running: [ChildProcess] { registry.all.filter(\.isRunning) }

    /// Stops every running child with its tree, all at once; returns when they are gone.
    public static func stopAll(grace: Double) {
        let children = running
        let group = DispatchGroup()
        for child in children {
            DispatchQueue.global().async(group: group) { child.stop(grace: grace) }
        }
        group.wait()
    }

    final class Registry: @unchecked Sendable {
        private let mutex = NSLock()
        private var children: [pid_t: ChildProcess] = [:]

        func withLock<T>(_ body: () -> T) -> T {
            mutex.lock()
            defer { mutex.unlock() }
            return body()
        }

        func add(_ c: ChildProcess) { withLock { children[c.pid] = c } }
        func remove(_ c: ChildProcess) { withLock { if children[c.pid] === c { children[c.pid] = nil } } }
        var all: [ChildProcess] { withLock { Array(children.values) } }
    }
}

/// Adds "close every descriptor from 3 up" to `actions`: glibc's `addclosefrom_np` (≥ 2.34)
/// when present, else one close per descriptor open now (from /proc/self/fd) that does not
/// close on exec anyway.
private func closeInheritedDescriptors(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>) {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    #if os(Linux)
    if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
        if unsafeBitCast(symbol, to: AddCloseFrom.self)(actions, 3) == 0 { return }
    }
    #endif
    let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))
        ?? (try? FileManager.default.contentsOfDirectory(atPath: "/dev/fd")) ?? []).compactMap { Int32($0) }
    for fd in open where fd > 2 {
        let flags = fcntl(fd, F_GETFD)
        if flags >= 0 && flags & FD_CLOEXEC == 0 { posix_spawn_file_actions_addclose(actions, fd) }
    }
}

/// `posix_spawn_file_actions_addchdir_np` (glibc ≥ 2.29, macOS ≥ 10.15), looked up at run time
/// because Swift's Glibc module does not always export it.
private func addChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String) -> Int32 {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    #if os(Linux)
    let defaultHandle: UnsafeMutableRawPointer? = nil  // RTLD_DEFAULT
    #else
    let defaultHandle = UnsafeMutableRawPointer(bitPattern: -2)  // RTLD_DEFAULT
    #endif
    guard let symbol = dlsym(defaultHandle, "posix_spawn_file_actions_addchdir_np") else { return -1 }
    let f = unsafeBitCast(symbol, to: AddChdir.self)
    return path.withCString { f(actions, $0) }
}
