import Foundation

/// Runs work that waits on the network (ssh probes, logins) for many hosts at once: up to
/// `limit` in flight (concurrentPerform would run only as many as there are cores).
enum NetworkFanOut {
    static func map<T: Sendable>(_ count: Int, limit: Int = 32, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        let slots = FanOutSlots<T>(count)
        let group = DispatchGroup()
        let inFlight = DispatchSemaphore(value: limit)
        for i in 0..<count {
            inFlight.wait()
            DispatchQueue.global().async(group: group) {
                defer { inFlight.signal() }
                slots.set(i, body(i))
            }
        }
        group.wait()
        return slots.values
    }
}

/// One result slot per task, written from the workers.
private final class FanOutSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T?]
    init(_ n: Int) { items = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ value: T) { lock.withLock { items[i] = value } }
    var values: [T] { lock.withLock { items.map { $0! } } }
}
