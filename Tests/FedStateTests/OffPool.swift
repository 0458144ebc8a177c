import Foundation

/// Runs a long blocking test body (a PostgreSQL server's start, a store's whole cycle) on a thread
/// of its own, not on one of Swift's cooperative-pool threads: there are as many of those as cores
/// (2 in CI), and in-process servers of other suites (the aggregator in FedRuntimeTests) need them
/// to answer. The same helper as fedplaneTests' (the two targets share no support module for it).
func offPool<T>(_ body: @escaping () throws -> T) async throws -> T {
    let job = OffPoolJob(body)
    try await withCheckedThrowingContinuation { (k: CheckedContinuation<Void, any Error>) in
        let thread = Thread {
            job.result = Result { try job.body() }
            k.resume()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    return try job.result!.get()
}

final class OffPoolJob<T>: @unchecked Sendable {
    let body: () throws -> T
    var result: Result<T, any Error>?
    init(_ body: @escaping () throws -> T) { self.body = body }
}
