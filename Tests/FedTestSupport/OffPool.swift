import Foundation

/// Runs a long blocking test body (a whole multi-host apply, an AWS cycle, a PostgreSQL server's
/// start, a libcurl call) on a thread of its own, not on one of Swift's cooperative-pool threads:
/// there are as many of those as cores (2 in CI), and the in-process servers of other suites (the
/// aggregator in FedRuntimeTests) need them to answer.
///
/// The body stays in the calling task (the task prefers an executor that owns the thread), so the
/// task's locals go with it: an `#expect` that fails in it is the calling test's. On a bare thread
/// it was recorded for «unknown», the test was reported passed and only the run failed.
public func offPool<T>(_ body: () throws -> T) async throws -> T {
    let thread = ThreadExecutor()
    defer { thread.finish() }
    return try await withTaskExecutorPreference(thread, isolation: nil) { try body() }
}

/// A task executor with one thread (8 MiB of stack, as the multi-host tests' deep call chains
/// want), which ends once `finish` is called and its queue is empty.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false

    init() {
        let thread = Thread { [self] in run() }
        thread.stackSize = 8 << 20
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
