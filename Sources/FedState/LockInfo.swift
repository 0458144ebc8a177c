import Foundation

/// Who holds the state's writer lock, as recorded in the `lock` table (OpenTofu's LockInfo).
public struct LockInfo: Sendable, Equatable, Codable {
    /// A UUID chosen by the locker; `unlock`/`force-unlock` must name it.
    public let id: String
    /// What the holder is doing: "apply", "destroy", …
    public let operation: String
    /// `user@host`.
    public let who: String
    public let pid: Int32
    public let host: String
    /// The holder's fedplane version.
    public let version: String
    public let created: Date

    public init(
        id: String, operation: String, who: String, pid: Int32, host: String, version: String,
        created: Date
    ) {
        self.id = id
        self.operation = operation
        self.who = who
        self.pid = pid
        self.host = host
        self.version = version
        self.created = created
    }

    /// "alice@build-1 (pid 42, operation apply) since 2025-…Z; lock ID …"
    public var summary: String {
        "\(who) (pid \(pid), operation \(operation)) since \(Timestamp.display(created)); lock ID \(id)"
    }
}

/// The identity a store writes into the lock it takes. Injectable so tests can pose as
/// another host or a dead process.
public struct LockOwner: Sendable, Equatable {
    public var user: String
    public var host: String
    public var pid: Int32
    public var version: String

    public init(user: String, host: String, pid: Int32, version: String) {
        self.user = user
        self.host = host
        self.pid = pid
        self.version = version
    }

    public var who: String { "\(user)@\(host)" }

    /// This process: `$USER` (or the passwd name), `gethostname`, `getpid`.
    public static func current(version: String = "dev") -> LockOwner {
        LockOwner(user: currentUser(), host: currentHost(), pid: getpid(), version: version)
    }

    static func currentHost() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func currentUser() -> String {
        if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid\(getuid())"
    }
}
