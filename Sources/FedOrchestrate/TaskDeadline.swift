import Foundation
import FedSpec

/// Runs one runner call against the task timeout, whether or not the runner honours it.
///
/// The call runs in its own task next to a timer. Whichever ends first decides the result: the
/// runner's answer, or `.timedOut` when the timer fires first — then the runner's task is
/// cancelled and its late answer is dropped. The deadline never waits for a runner that ignores
/// cancellation, so a hung VM costs the round exactly one timeout. If the caller is cancelled the
/// attempt ends at once as `.failed("cancelled")`.
public enum TaskDeadline {
    public static let cancelledReason = "cancelled"

    public static func run(_ runner: some TaskRunner, _ task: ParticipantTask, on vm: VMSpec,
                           timeout: TimeSpan) async -> TaskResult {
        let race = Race()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<TaskResult, Never>) in
                guard race.begin(continuation) else { return }
                let work = Task { race.finish(await runner.run(task, on: vm, timeout: timeout)) }
                let timer = Task {
                    do {
                        try await Task.sleep(nanoseconds: nanoseconds(timeout))
                        race.finish(.timedOut)
                    } catch {}  // cancelled: the work finished first
                }
                race.attach(work: work, timer: timer)
            }
        } onCancel: {
            race.finish(.failed(reason: cancelledReason))
        }
    }

    static func nanoseconds(_ span: TimeSpan) -> UInt64 {
        let ns = span.milliseconds * 1_000_000
        guard ns.isFinite, ns > 0 else { return 0 }
        return ns >= Double(UInt64.max / 2) ? UInt64.max / 2 : UInt64(ns)
    }

    /// The first `finish` resumes the caller and cancels both tasks; later ones do nothing.
    final class Race: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<TaskResult, Never>?
        private var early: TaskResult?
        private var done = false
        private var tasks: [Task<Void, Never>] = []

        /// False when the race was already decided (the caller was cancelled before it began).
        func begin(_ c: CheckedContinuation<TaskResult, Never>) -> Bool {
            lock.lock()
            if let early {
                lock.unlock()
                c.resume(returning: early)
                return false
            }
            continuation = c
            lock.unlock()
            return true
        }

        func attach(work: Task<Void, Never>, timer: Task<Void, Never>) {
            lock.lock()
            let finished = done
            if !finished { tasks = [work, timer] }
            lock.unlock()
            if finished {
                work.cancel()
                timer.cancel()
            }
        }

        func finish(_ result: TaskResult) {
            lock.lock()
            guard !done else { lock.unlock(); return }
            done = true
            let c = continuation
            continuation = nil
            if c == nil { early = result }
            let running = tasks
            tasks = []
            lock.unlock()
            c?.resume(returning: result)
            for t in running { t.cancel() }
        }
    }
}
