import Foundation

/// The operations allowed inside `StateStore.write`. Every mutation counts the rows it really
/// changed (unchanged upserts count 0), and the store bumps the serial once at commit if the
/// count is non-zero. Valid only inside the `write` closure; do not keep it.
public final class StateTransaction {
    let database: any SQLConnection
    /// One timestamp for the whole transaction: everything it touches changed "at once".
    public let now: Date
    private let stamp: SQLValue
    /// Rows changed so far; > 0 means the serial will be bumped.
    public private(set) var changedRows = 0

    init(database: any SQLConnection, now: Date) {
        self.database = database
        self.now = now
        self.stamp = .text(Timestamp.string(now))
    }

    @discardableResult
    func recordChange(_ sql: String, _ values: [SQLValue]) throws -> Bool {
        let rows = try database.change(sql, values)
        changedRows += rows
        return rows > 0
    }

    // MARK: resources

    /// Inserts or updates a resource; `created` is kept on update and `updated` only moves when
    /// a column really differs. Returns whether anything changed.
    @discardableResult
    public func upsertResource(
        address: String, type: String, provider: String, providerID: String?,
        attributes: String, inputsHash: String
    ) throws -> Bool {
        try recordChange(
            """
            INSERT INTO resources (address, type, provider, provider_id, attributes, inputs_hash, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
            ON CONFLICT (address) DO UPDATE SET
                type = excluded.type, provider = excluded.provider, provider_id = excluded.provider_id,
                attributes = excluded.attributes, inputs_hash = excluded.inputs_hash, updated_at = excluded.updated_at
            WHERE resources.type IS NOT excluded.type OR resources.provider IS NOT excluded.provider
               OR resources.provider_id IS NOT excluded.provider_id
               OR resources.attributes IS NOT excluded.attributes
               OR resources.inputs_hash IS NOT excluded.inputs_hash
            """,
            [.text(address), .text(type), .text(provider), .text(providerID), .text(attributes),
             .text(inputsHash), stamp])
    }

    /// Returns whether the resource existed.
    @discardableResult
    public func deleteResource(address: String) throws -> Bool {
        try recordChange("DELETE FROM resources WHERE address = ?1", [.text(address)])
    }

    // MARK: apply journal

    /// Records that a step is about to run its side effect. Commit this before the side effect.
    public func journalStart(applyID: String, step: Int, address: String, action: String) throws {
        try recordChange(
            """
            INSERT INTO apply_journal (apply_id, step, address, action, status, started_at)
            VALUES (?1, ?2, ?3, ?4, 'started', ?5)
            """, [.text(applyID), .int(step), .text(address), .text(action), stamp])
    }

    public func journalFinish(applyID: String, step: Int, outcome: JournalOutcome) throws {
        let (status, error): (JournalStatus, String?) =
            switch outcome {
            case .succeeded: (.succeeded, nil)
            case .failed(let message): (.failed, message)
            }
        let found = try recordChange(
            """
            UPDATE apply_journal SET status = ?3, finished_at = ?4, error = ?5
            WHERE apply_id = ?1 AND step = ?2
            """, [.text(applyID), .int(step), .text(status.rawValue), stamp, .text(error)])
        guard found else { throw StateStoreError.unknownJournalStep(applyID: applyID, step: step) }
    }

    // MARK: orchestrator

    @discardableResult
    public func setAssignment(participant: String, vmID: String, reason: String) throws -> Bool {
        try recordChange(
            """
            INSERT INTO assignments (participant, vm_id, reason, updated_at) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (participant) DO UPDATE SET
                vm_id = excluded.vm_id, reason = excluded.reason, updated_at = excluded.updated_at
            WHERE assignments.vm_id IS NOT excluded.vm_id OR assignments.reason IS NOT excluded.reason
            """, [.text(participant), .text(vmID), .text(reason), stamp])
    }

    @discardableResult
    public func removeAssignment(participant: String) throws -> Bool {
        try recordChange("DELETE FROM assignments WHERE participant = ?1", [.text(participant)])
    }

    /// Sets the participant's circular-queue position.
    @discardableResult
    public func setCursor(participant: String, to cursor: Int) throws -> Bool {
        try recordChange(
            """
            INSERT INTO queue_cursors (participant, cursor) VALUES (?1, ?2)
            ON CONFLICT (participant) DO UPDATE SET cursor = excluded.cursor
            WHERE queue_cursors.cursor IS NOT excluded.cursor
            """, [.text(participant), .int(cursor)])
    }

    @discardableResult
    public func removeCursor(participant: String) throws -> Bool {
        try recordChange("DELETE FROM queue_cursors WHERE participant = ?1", [.text(participant)])
    }
}
