import Foundation

/// Lifecycle of one journalled apply step: written `started` before the side effect and
/// finished after it, so a crash leaves a `started` row the next plan must reconcile.
public enum JournalStatus: String, Sendable, Equatable {
    case started, succeeded, failed
}

/// How a step ended.
public enum JournalOutcome: Sendable, Equatable {
    case succeeded
    case failed(error: String)
}

public struct JournalEntry: Sendable, Equatable {
    public var applyID: String
    public var step: Int
    public var address: String
    /// The plan action as text (`create`, `update`, `replace`, `delete`); FedState does not
    /// depend on FedPlan's enum.
    public var action: String
    public var status: JournalStatus
    public var started: Date
    public var finished: Date?
    public var error: String?

    public init(
        applyID: String, step: Int, address: String, action: String, status: JournalStatus,
        started: Date, finished: Date?, error: String?
    ) {
        self.applyID = applyID
        self.step = step
        self.address = address
        self.action = action
        self.status = status
        self.started = started
        self.finished = finished
        self.error = error
    }
}
