import Foundation

/// One apply or destroy as the audit trail keeps it (`fedplane audit`).
public struct OperationRecord: Sendable, Equatable {
    public enum Result: String, Sendable {
        /// Started and not finished: still running, or its process died (the next plan reconciles).
        case running, succeeded, failed, interrupted
    }

    public var applyID: String
    public var operation: String
    public var who: String
    public var host: String
    public var pid: Int32
    public var version: String
    public var planChecksum: String
    public var planSummary: String
    public var started: Date
    public var finished: Date?
    public var result: Result
    /// Why it failed or stopped; nil when it succeeded.
    public var detail: String?
    /// Its journal steps: all of them, and how many succeeded and failed (the rest never finished).
    public var steps = 0, succeededSteps = 0, failedSteps = 0
}

extension StateTransaction {
    /// Records that `owner` starts applying a plan. Commit it before the first step.
    public func operationStart(applyID: String, operation: String, owner: LockOwner, planChecksum: String,
                               planSummary: String) throws {
        try recordChange(
            """
            INSERT INTO operations (apply_id, operation, who, host, pid, version, plan_checksum, plan_summary, started_at, result)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'running')
            """,
            [.text(applyID), .text(operation), .text(owner.who), .text(owner.host), .int(Int(owner.pid)), .text(owner.version),
             .text(planChecksum), .text(planSummary), .text(Timestamp.string(now))])
    }

    public func operationFinish(applyID: String, result: OperationRecord.Result, detail: String?) throws {
        try recordChange(
            "UPDATE operations SET finished_at = ?2, result = ?3, detail = ?4 WHERE apply_id = ?1",
            [.text(applyID), .text(Timestamp.string(now)), .text(result.rawValue), .text(detail)])
    }
}

extension StateStore {
    /// Every recorded apply and destroy, oldest first, with its journal's step counts.
    public func operations() throws -> [OperationRecord] {
        try withDatabase { db in
            try db.query(
                """
                SELECT o.apply_id, o.operation, o.who, o.host, o.pid, o.version, o.plan_checksum, o.plan_summary,
                       o.started_at, o.finished_at, o.result, o.detail,
                       (SELECT count(*) FROM apply_journal j WHERE j.apply_id = o.apply_id),
                       (SELECT count(*) FROM apply_journal j WHERE j.apply_id = o.apply_id AND j.status = 'succeeded'),
                       (SELECT count(*) FROM apply_journal j WHERE j.apply_id = o.apply_id AND j.status = 'failed')
                FROM operations o ORDER BY o.started_at, o.apply_id
                """
            ) {
                var r = OperationRecord(
                    applyID: $0.text(0), operation: $0.text(1), who: $0.text(2), host: $0.text(3), pid: Int32($0.int(4)),
                    version: $0.text(5), planChecksum: $0.text(6), planSummary: $0.text(7), started: Timestamp.date($0.text(8)),
                    finished: $0.optionalText(9).map(Timestamp.date), result: OperationRecord.Result(rawValue: $0.text(10)) ?? .running,
                    detail: $0.optionalText(11))
                (r.steps, r.succeededSteps, r.failedSteps) = ($0.int(12), $0.int(13), $0.int(14))
                return r
            }
        }
    }
}
