import Foundation

/// Where a federation's state lives: a SQLite file (the zero-setup default) or a PostgreSQL
/// database shared by a team. `description` is safe to print: a URL's password is masked.
public enum StateSource: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresURL)

    /// A `postgres://` or `postgresql://` URL selects PostgreSQL; anything else is a file path.
    public init(_ text: String) {
        if let url = PostgresURL(text) { self = .postgres(url) } else { self = .sqlite(path: text) }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url): return url.redacted
        }
    }

    public var isRemote: Bool { if case .postgres = self { true } else { false } }

    /// Whether the federation's state exists there (nothing is created).
    public func exists(federation: String) throws -> Bool {
        switch self {
        case .sqlite(let path): return FileManager.default.fileExists(atPath: path)
        case .postgres(let url): return try PostgresStateStore.exists(url: url, federation: federation)
        }
    }

    /// Opens the state; `create` makes it when missing. For reading, a SQLite file that cannot be
    /// written opens read-only (see `StateStore.openForReading`).
    public func open(federation: String, create: Bool, forReading: Bool = false,
                     owner: LockOwner = .current()) throws -> any StateBackend {
        switch self {
        case .sqlite(let path):
            if forReading && !create { return try StateStore.openForReading(path: path, federation: federation, owner: owner) }
            return try StateStore.open(path: path, federation: federation, create: create, owner: owner)
        case .postgres(let url):
            return try PostgresStateStore.open(url: url, federation: federation, create: create, owner: owner)
        }
    }
}
