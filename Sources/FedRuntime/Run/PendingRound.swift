import Foundation

/// A closed round whose result is being fetched from the aggregator, stored and committed on its
/// own thread while the next round runs. The next round opens from the result the aggregator
/// already holds (named by its SHA-256), so moving the model here and hashing it (≈ 150 ms at
/// 27 MB) need not hold the federation up. The coordinator waits for it before it closes the
/// next round, before it has to send a model itself, and before the run ends or stops, so rounds
/// are still committed in order and a committed round always has its model in the store.
final class PendingRound: @unchecked Sendable {
    let round: Int
    private let finished = DispatchSemaphore(value: 0)
    // Written once on the worker thread before `finished` is signalled, read only after it.
    private var outcome: Result<[UInt8], any Error>?

    /// A failure of the pending round's recording: it ends the run (the round is not committed
    /// and runs again on the next apply), never an aggregator restart of the round under way.
    struct Unrecorded: Error, CustomStringConvertible {
        var description: String
    }

    private final class Work: @unchecked Sendable {
        let body: () throws -> [UInt8]
        init(_ body: @escaping () throws -> [UInt8]) { self.body = body }
    }

    /// Starts `work` (fetch, store, commit; returns the round's result) on a thread of its own:
    /// it blocks on the network and disk, so it must not hold a thread of Swift's pool.
    init(round: Int, _ work: @escaping () throws -> [UInt8]) {
        self.round = round
        let job = Work(work)
        let thread = Thread { [self] in
            outcome = Result { try job.body() }
            finished.signal()
        }
        thread.name = "fedplane-round-\(round)-record"
        thread.start()
    }

    /// The round's result once it is stored and committed; rethrows what failed as `Unrecorded`.
    func wait() throws -> [UInt8] {
        finished.wait()
        finished.signal()  // a later wait returns at once
        switch outcome! {
        case .success(let model): return model
        case .failure(let error as RunCoordinator.Failure): throw Unrecorded(description: error.description)
        case .failure(let error):
            throw Unrecorded(description: "round \(round)'s result could not be recorded: \(error); the round is not recorded and runs again on the next apply")
        }
    }
}
