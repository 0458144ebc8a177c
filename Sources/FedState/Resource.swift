import Foundation

/// One managed object (aggregator VM, participant, assignment…) as last recorded by apply.
///
/// Nothing secret belongs here. `attributes` is stored as given and shows up in backups,
/// plan files and `sqlite3 state.db`: callers must pass only references and fingerprints of
/// credentials (a profile name, a key id, a SHA-256 of a token), never their values.
public struct Resource: Sendable, Equatable {
    /// Unique address, e.g. `participant.hospital-a` or `aggregator.main`.
    public var address: String
    public var type: String
    /// The provider that owns it (`local`, `aws`, …).
    public var provider: String
    /// The provider's id once created (`i-0abc…`); nil while pending.
    public var providerID: String?
    /// A JSON document (validated by SQLite's `json_valid`). Pass canonical JSON (sorted keys)
    /// so that equal attributes compare equal and a rewrite is recognised as no change.
    public var attributes: String
    /// Digest of the inputs the resource was built from; plan compares it to decide updates.
    public var inputsHash: String
    public var created: Date
    public var updated: Date

    public init(
        address: String, type: String, provider: String, providerID: String?, attributes: String,
        inputsHash: String, created: Date, updated: Date
    ) {
        self.address = address
        self.type = type
        self.provider = provider
        self.providerID = providerID
        self.attributes = attributes
        self.inputsHash = inputsHash
        self.created = created
        self.updated = updated
    }
}

/// Which private-cloud VM runs a participant's task, and why (for humans).
public struct Assignment: Sendable, Equatable {
    public var participant: String
    public var vmID: String
    public var reason: String
    public var updated: Date

    public init(participant: String, vmID: String, reason: String, updated: Date) {
        self.participant = participant
        self.vmID = vmID
        self.reason = reason
        self.updated = updated
    }
}
