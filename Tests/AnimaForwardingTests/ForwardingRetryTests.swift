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

    /// What the retry of one event that gets `first`, then 200, shows: the time between the two
    /// POSTs as the stub saw them (a lower bound: a loaded machine only makes it longer), and the
    /// delay the worker chose, from the history.
    struct Retry {
        var gap: Duration
        var delayMilliseconds: Int64
    }

    func retry(after first: Answer, environment: [String: String]) async throws -> Retry {
        var retry: Retry?
        try await withForwarding(answers: [first], environment: environment) { f, stub in
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitUntilDone([event.id], timeout: .seconds(20)), "the event was not done after the retry")
            let delays = try await f.retryDelays()
            let gap = try #require(gapBetweenFirstTwo(stub.requests), "expected two requests, saw \(stub.requests)")
            let delay = try #require(delays.first, "expected one retry in the history, saw the delays \(delays)")
            retry = Retry(gap: gap, delayMilliseconds: delay)
        }
        return try #require(retry)
    }

    @Test(arguments: [429, 503])
    func retryAfterInSecondsIsTheNextDelay(status: Int) async throws {
        let busy = Answer(status: status, headers: [("Retry-After", "2")])
        let retry = try await retry(after: busy, environment: ["ANIMA_RETRY_BASE_SECONDS": "0.1"])
        #expect(retry.delayMilliseconds == 2000, "\(status) with Retry-After: 2: the worker chose a delay of \(retry.delayMilliseconds) ms")
        #expect(retry.gap >= .seconds(2), "\(status) with Retry-After: 2: the retry came after \(retry.gap)")
    }

    @Test func retryAfterAsAnHTTPDateIsTheNextDelay() async throws {
        // The date is written when the answer is sent, in whole seconds: 2–3 s ahead then, and
        // less by the time the worker reads it; the backoff alone would be at most 125 ms.
        let busy = Answer(status: 429, lateHeaders: { [("Retry-After", httpDate(Date().addingTimeInterval(3)))] })
        let retry = try await retry(after: busy, environment: ["ANIMA_RETRY_BASE_SECONDS": "0.1"])
        #expect(
            retry.delayMilliseconds > 125 && retry.delayMilliseconds <= 3000,
            "Retry-After 3 s ahead as an HTTP date: the worker chose \(retry.delayMilliseconds) ms"
        )
        #expect(retry.gap >= .seconds(1), "Retry-After 3 s ahead as an HTTP date: the retry came after \(retry.gap)")
    }

    @Test func retryAfterLongerThanTheMaximumDelayIsCappedAtIt() async throws {
        let busy = Answer(status: 429, headers: [("Retry-After", "30")])
        let retry = try await retry(after: busy, environment: ["ANIMA_RETRY_BASE_SECONDS": "0.1", "ANIMA_RETRY_MAX_SECONDS": "1"])
        #expect(retry.delayMilliseconds == 1000, "Retry-After 30 with a 1 s maximum: the worker chose \(retry.delayMilliseconds) ms")
    }

    @Test func retryAfterOnAFiveHundredIsNotHonoured() async throws {
        // Only 429 and 503 carry a Retry-After the contract honours: the backoff (0.1 s + ≤ 25 %) stands.
        let failing = Answer(status: 500, headers: [("Retry-After", "30")])
        let retry = try await retry(after: failing, environment: ["ANIMA_RETRY_BASE_SECONDS": "0.1"])
        #expect(
            (100...125).contains(retry.delayMilliseconds),
            "a 500's Retry-After: 30: the worker chose \(retry.delayMilliseconds) ms instead of the backoff"
        )
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
            // The retry is the backoff's (pipeline default 0.2 s + ≤ 25 %), nothing waits for the timeout again.
            let delays = try await f.retryDelays()
            #expect(delays.count == 1 && (200...250).contains(delays[0]), "expected one retry after 200–250 ms, saw the delays \(delays)")
        }
    }
}
