import AnimaTestSupport
import Foundation
import Testing

/// Failed forwards are retried: attempts counted, `Retry-After` honoured and capped, timeouts.
@Suite("Forwarding: retries")
struct ForwardingRetryTests {
    @Test func fiveHundredThenTwoHundredIsTwoPostsAttemptsOneAndTwoThenDone() async throws {
        try await withForwarding(answers: [Answer(status: 500, body: "try later")], environment: ["ANIMA_RETRY_BASE_SECONDS": "0.2"]) {
            f,
            stub in
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitUntilDone([event.id]), "the event was not done after the retry")
            let attempts = stub.requests.map { $0.header("x-anima-event-attempt") ?? "missing" }
            #expect(attempts == ["1", "2"], "expected attempts [1, 2], saw \(attempts)")
            #expect(stub.requests.allSatisfy { $0.body == Array(event.body.utf8) }, "a retry sent another body")
        }
    }

    /// Forwards one event that gets `first`, then 200; the time between the two POSTs.
    func retryGap(after first: Answer, environment: [String: String]) async throws -> Duration {
        var gap: Duration?
        try await withForwarding(answers: [first], environment: environment) { f, stub in
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitUntilDone([event.id], timeout: .seconds(10)), "the event was not done after the retry")
            gap = gapBetweenFirstTwo(stub.requests)
            #expect(gap != nil, "expected two requests, saw \(stub.requests)")
        }
        return try #require(gap)
    }

    @Test(arguments: [429, 503])
    func retryAfterInSecondsDelaysTheNextAttempt(status: Int) async throws {
        let busy = Answer(status: status, headers: [("Retry-After", "2")])
        let gap = try await retryGap(after: busy, environment: ["ANIMA_RETRY_BASE_SECONDS": "0.1"])
        #expect(gap >= .seconds(2) && gap < TestTime.scaled(.seconds(6)), "\(status) with Retry-After: 2: the retry came after \(gap)")
    }

    @Test func retryAfterAsAnHTTPDateDelaysTheNextAttempt() async throws {
        // The date is written when the answer is sent; with whole seconds it is 2–3 s ahead.
        let busy = Answer(status: 429, lateHeaders: { [("Retry-After", httpDate(Date().addingTimeInterval(3)))] })
        let gap = try await retryGap(after: busy, environment: ["ANIMA_RETRY_BASE_SECONDS": "0.1"])
        #expect(gap >= .seconds(2) && gap < TestTime.scaled(.seconds(7)), "Retry-After 3 s ahead as an HTTP date: the retry came after \(gap)")
    }

    @Test func retryAfterLongerThanTheMaximumDelayIsCappedAtIt() async throws {
        let busy = Answer(status: 429, headers: [("Retry-After", "30")])
        let gap = try await retryGap(after: busy, environment: ["ANIMA_RETRY_BASE_SECONDS": "0.1", "ANIMA_RETRY_MAX_SECONDS": "1"])
        #expect(gap < TestTime.scaled(.seconds(4)), "Retry-After 30 with a 1 s maximum: the retry came after \(gap)")
    }

    @Test func retryAfterOnAFiveHundredIsNotHonoured() async throws {
        // Only 429 and 503 carry a Retry-After the contract honours.
        let failing = Answer(status: 500, headers: [("Retry-After", "30")])
        let gap = try await retryGap(after: failing, environment: ["ANIMA_RETRY_BASE_SECONDS": "0.1"])
        #expect(gap < TestTime.scaled(.seconds(4)), "a 500's Retry-After: 30 delayed the retry by \(gap)")
    }

    @Test func destinationThatNeverAnswersFailsAfterTheHandlerTimeoutAndIsRetried() async throws {
        try await withForwarding(answers: [.never], environment: ["ANIMA_HANDLER_TIMEOUT_SECONDS": "1"]) { f, stub in
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitUntilDone([event.id], timeout: .seconds(10)), "the event was not done after the retry")
            let attempts = stub.requests.map { $0.header("x-anima-event-attempt") ?? "missing" }
            #expect(attempts == ["1", "2"], "expected attempts [1, 2], saw \(attempts)")
            // The worker's own measure: the stub's clock lags when its threads are starved.
            let retry = f.workerLogs.split(separator: "\n").first { $0.contains("anima.result=retry") }.map(String.init) ?? ""
            let failedAfter = retry.firstMatch(of: /anima\.duration_ms=(\d+)/).flatMap { Int($0.1) }
            #expect((failedAfter ?? 0) >= 1000, "expected attempt 1 to fail after ≥ 1000 ms, saw the log line '\(retry)'")
            let gap = try #require(gapBetweenFirstTwo(stub.requests), "expected two requests, saw \(stub.requests)")
            #expect(gap < TestTime.scaled(.seconds(5)), "with a 1 s timeout the retry came after \(gap)")
        }
    }
}
