import FedHTTP
import Testing

/// The HTTP layer's rules that need no server: which endpoints are allowed, how long to back off.
@Suite struct HTTPPolicyTests {
    @Test func plainHTTPOnlyToLoopbackOrWhenInsecureIsSet() throws {
        #expect(try CloudEndpoint("http://127.0.0.1:5000").insecure == false)
        #expect(try CloudEndpoint("http://localhost:5000").hostHeader == "localhost:5000")
        #expect(try CloudEndpoint("https://ec2.us-east-1.amazonaws.com").hostHeader == "ec2.us-east-1.amazonaws.com")
        #expect(throws: CloudEndpoint.Problem.plainHTTP("http://10.0.0.5:4566")) { try CloudEndpoint("http://10.0.0.5:4566") }
        #expect(try CloudEndpoint("http://10.0.0.5:4566", allowInsecure: true).insecure)
        #expect(throws: CloudEndpoint.Problem.notAURL("ftp://x")) { try CloudEndpoint("ftp://x") }
    }

    /// Full jitter: the wait is the random fraction of the capped exponential ceiling.
    @Test func backoffIsCappedExponentialWithFullJitter() {
        let p = RetryPolicy(maxAttempts: 6, baseDelay: 0.5, maxDelay: 3, maxTotal: 100)
        #expect(p.delay(after: 0, elapsed: 0, retryAfter: nil, random: 1) == 0.5)
        #expect(p.delay(after: 2, elapsed: 0, retryAfter: nil, random: 1) == 2)
        #expect(p.delay(after: 3, elapsed: 0, retryAfter: nil, random: 1) == 3)
        #expect(p.delay(after: 4, elapsed: 0, retryAfter: nil, random: 0.5) == 1.5)
        #expect(p.delay(after: 4, elapsed: 0, retryAfter: nil, random: 0) == 0)
    }

    @Test func retryAfterIsWaitedAtLeast() {
        let p = RetryPolicy(maxAttempts: 6, baseDelay: 0.5, maxDelay: 3, maxTotal: 100)
        #expect(p.delay(after: 0, elapsed: 0, retryAfter: 7, random: 0.2) == 7)
        #expect(RetryPolicy.retryAfter(["retry-after": " 4 "]) == 4)
        #expect(RetryPolicy.retryAfter(["retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"]) == nil)
    }

    @Test func theBudgetBoundsAttemptsAndTotalTime() {
        let p = RetryPolicy(maxAttempts: 3, baseDelay: 1, maxDelay: 10, maxTotal: 5)
        #expect(p.delay(after: 1, elapsed: 0, retryAfter: nil, random: 1) == 2)
        #expect(p.delay(after: 2, elapsed: 0, retryAfter: nil, random: 1) == nil)
        #expect(p.delay(after: 1, elapsed: 4, retryAfter: nil, random: 1) == nil)
        #expect(p.delay(after: 0, elapsed: 0, retryAfter: 60, random: 0) == nil)
    }
}
