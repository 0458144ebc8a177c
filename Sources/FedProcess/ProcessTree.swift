import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A process and everything it started, found in /proc: its descendants (by parent pid) and
/// every process in their process groups. Processes are identified by pid *and* start time, so
/// a reused pid is never mistaken for one seen before, and a process orphaned while it is
/// being stopped (re-parented to init) is still recognised.
public enum ProcessTree {
    struct Entry: Hashable {
        var pid: pid_t
        var ppid: pid_t
        var pgid: pid_t
        var start: UInt64
        var zombie: Bool
    }

    /// Every process on this host, from /proc/<pid>/stat.
    static func table() -> [Entry] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { name in
            guard let pid = pid_t(name), let text = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = text.lastIndex(of: ")") else { return nil }
            // "pid (comm) state ppid pgrp session tty tpgid flags … starttime(22nd)"; comm may hold spaces.
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 19, let ppid = pid_t(fields[1]), let pgid = pid_t(fields[2]), let start = UInt64(fields[19]) else { return nil }
            return Entry(pid: pid, ppid: ppid, pgid: pgid, start: start, zombie: fields[0] == "Z" || fields[0] == "X")
        }
    }

    /// Tracks one tree across scans.
    struct Tracker {
        let root: pid_t
        var seen: [pid_t: UInt64] = [:]
        var groups: Set<pid_t>

        init(root: pid_t) {
            self.root = root
            groups = [root]
        }

        /// The live (non-zombie) members now: the root, its descendants, processes in the groups
        /// of members, and members seen in earlier scans (matched by start time).
        mutating func scan() -> [Entry] {
            let all = table()
            var members: [pid_t: Entry] = [:]
            var changed = true
            while changed {
                changed = false
                for e in all where members[e.pid] == nil {
                    let belongs = e.pid == root || members[e.ppid] != nil || groups.contains(e.pgid)
                        || seen[e.pid] == e.start
                    guard belongs, e.pid != getpid() else { continue }
                    members[e.pid] = e
                    seen[e.pid] = e.start
                    // A member's own group is stopped with it, unless it is ours.
                    if e.pgid != getpgrp() && groups.insert(e.pgid).inserted { changed = true }
                    changed = true
                }
            }
            return members.values.filter { !$0.zombie }
        }

        func signal(_ members: [Entry], _ sig: Int32) {
            for g in groups where g > 1 && g != getpgrp() { kill(-g, sig) }
            for m in members { kill(m.pid, sig) }
        }
    }

    /// The pids of `root`'s tree that are alive now (root included while it runs).
    public static func members(of root: pid_t) -> [pid_t] {
        var t = Tracker(root: root)
        return t.scan().map(\.pid).sorted()
    }

    /// SIGTERM to every member (and each member's process group), SIGKILL to whatever is left
    /// after `grace` seconds, repeated until nothing of the tree runs. `reap` is called while
    /// waiting, so the caller can collect the root's exit status (a zombie counts as gone).
    public static func stop(root: pid_t, grace: Double, reap: () -> Void = {}) {
        var tracker = Tracker(root: root)
        var members = tracker.scan()
        if members.isEmpty { return }
        if grace > 0 {
            tracker.signal(members, SIGTERM)
            let deadline = Date().addingTimeInterval(grace)
            // A second stop request (`Shutdown.isUrgent`) cuts the grace period short.
            while !members.isEmpty && Date() < deadline && !Shutdown.isUrgent {
                usleep(10_000)
                reap()
                members = tracker.scan()
            }
        }
        // Bounded: a process stuck in uninterruptible sleep cannot be helped by more signals.
        let deadline = Date().addingTimeInterval(10)
        while !members.isEmpty && Date() < deadline {
            tracker.signal(members, SIGKILL)
            usleep(10_000)
            reap()
            members = tracker.scan()
        }
        reap()
    }
}
