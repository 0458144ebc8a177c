import Foundation

/// Runs a long blocking test body (a whole multi-host apply, an AWS cycle, a PostgreSQL server's
/// start, a libcurl call) on a thread of its own, not on one of Swift's cooperative-pool threads:
/// there are as many of those as cores (2 in CI), and the in-process servers of other suites (the
/// aggregator in FedRuntimeTests) need them to answer.
///
/// The body stays in the calling task (the task prefers an executor that owns the thread), so the
/// task's locals go with it: an `#expect` that fails in it is the calling test's. On a bare thread
/// it was recorded for «unknown», the test was reported passed and only the run failed. The hop
/// to the thread is the one Swift makes on entering the nonisolated async closure; the caller's
/// code after `offPool` may go on on that thread until its next suspension, then the thread ends.
public func offPool<T>(_ body: () throws -> T) async throws -> T {
    if #available(macOS 15, *) {
        let thread = ThreadExecutor()
        defer { thread.finish() }
        return try await withTaskExecutorPreference(thread, isolation: nil) { try body() }
    }
    // macOS 14 has no task executors: a bare thread (a failure there is «unknown»'s).
    return try await withoutActuallyEscaping(body) { body in
        let job = BareThreadJob(body)
        try await withCheckedThrowingContinuation { (k: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                job.result = Result { try job.body() }
                k.resume()
            }
            thread.stackSize = offPoolStackSize
            thread.start()
        }
        return try job.result!.get()
    }
}

/// The multi-host tests' deep call chains want more than a secondary thread's default stack.
public let offPoolStackSize = 8 << 20

private final class BareThreadJob<T>: @unchecked Sendable {
    let body: () throws -> T
    var result: Result<T, any Error>?
    init(_ body: @escaping () throws -> T) { self.body = body }
}

/// A task executor with one thread (8 MiB of stack, as the multi-host tests' deep call chains
/// want), which ends once `finish` is called and its queue is empty. A job that arrives after
/// that (none should: the preference is gone) goes to the global executor rather than be lost.
@available(macOS 15, *)
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false

    public init() {
        let thread = Thread { [self] in run() }
        thread.stackSize = offPoolStackSize
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        condition.lock()
        if finished {
            condition.unlock()
            globalConcurrentExecutor.enqueue(job)
            return
        }
        jobs.append(UnownedJob(job))
        condition.signal()
        condition.unlock()
    }

    public func finish() {
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
