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
