/// Reads of the append-mostly history: the apply journal and training records.
extension StateStore {
    /// Every step of one apply, in step order.
    public func journal(applyID: String) throws -> [JournalEntry] {
        try withDatabase { try StateQueries.journal($0, applyID: applyID) }
    }

    /// Steps that started and never finished: the side effect may or may not have happened,
    /// so the next plan must re-observe these addresses.
    public func unfinishedJournalSteps() throws -> [JournalEntry] {
        try withDatabase { try StateQueries.unfinishedJournalSteps($0) }
    }

    public func runs() throws -> [RunRecord] {
        try withDatabase { try StateQueries.runs($0) }
    }

    public func rounds(run: Int) throws -> [RoundRecord] {
        try withDatabase { try StateQueries.rounds($0, run: run) }
    }

    public func models(run: Int) throws -> [ModelRecord] {
        try withDatabase { try StateQueries.models($0, run: run) }
    }

    /// Every recorded apply and destroy, oldest first, with its journal's step counts.
    public func operations() throws -> [OperationRecord] {
        try withDatabase { try StateQueries.operations($0) }
    }
}
