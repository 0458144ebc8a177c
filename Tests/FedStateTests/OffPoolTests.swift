import FedTestSupport
import Foundation
import Testing

/// offPool's promises: the body runs on a thread of its own with the stack the multi-host bodies
/// need, it is still the calling test's (swift-testing's current test is set in it, so a failing
/// `#expect` there fails this test), and what it throws or returns reaches the caller.
struct OffPoolTests {
    struct Thrown: Error {}

    @Test func theBodyRunsOnItsOwnThreadAndStaysTheCallingTests() async throws {
        let (stack, test) = try await offPool { (currentThreadStackSize(), Test.current?.name) }
        #expect(stack == offPoolStackSize)
        #expect(test != nil && test == Test.current?.name)
        await #expect(throws: Thrown.self) { try await offPool { throw Thrown() } }
        // One after another, as the suites call it: each gets a thread and gives it back.
        for i in 0..<50 { #expect(try await offPool { i * 2 } == i * 2) }
    }
}

/// Thread.current is unavailable in async code; the body is synchronous.
private func currentThreadStackSize() -> Int { Thread.current.stackSize }
