import Foundation

/// The state is locked by someone else. Retriable unless `isStale`: a stale holder (same
/// host, process gone) will never release it, so waiting is pointless.
public struct LockError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let holder: LockInfo
    /// The holder ran on this host and its pid no longer exists.
    public let isStale: Bool

    public var description: String {
        var text = "state is locked by \(holder.summary)"
        if isStale {
            text += ". The lock is stale: process \(holder.pid) no longer runs on \(holder.host). "
                + "If no fedplane is running against \(path), release it with: fedplane force-unlock \(holder.id)"
        }
        return text
    }
}

enum ProcessLiveness {
    /// `kill(pid, 0)` probes without signalling: ESRCH means no such process; EPERM means it
    /// exists under another user. Only meaningful for pids on this host.
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return true }
        return errno != ESRCH
    }
}
