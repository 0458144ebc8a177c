/// Where the federation's state lives (`state:`). Absent: a SQLite file next to the spec.
/// A PostgreSQL URL carries a password, so the spec only names the environment variable that
/// holds it (`url: ${env:NAME}`); the URL itself never appears in the spec.
public struct StateSpec: Sendable {
    public enum Backend: String, Sendable { case sqlite, postgres }

    public var backend: Backend
    /// `postgres`: the environment variable holding the connection URL.
    public var urlVariable: String?
    /// `sqlite`: the state file, relative to the spec.
    public var path: String?
    public var mark: SourceMark
}
