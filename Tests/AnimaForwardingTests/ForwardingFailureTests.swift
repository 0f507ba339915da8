import AnimaTestSupport
import Foundation
import Testing

/// Forwards that fail for good: what the dead letter says, redirects, timeouts, refusals.
@Suite("Forwarding: failures and dead letters")
struct ForwardingFailureTests {
    @Test func deadLetterErrorGivesTheStatusAndTheStartOfTheAnswerBody() async throws {
        let down = Answer(status: 500, body: "database is down")
        try await withForwarding(otherwise: down, environment: ["ANIMA_MAX_ATTEMPTS": "2", "ANIMA_RETRY_BASE_SECONDS": "0.1"]) { f, stub in
            try await f.push(makeEvent().body)
            let error = try #require(await f.onlyDeadLetterError(), "no single dead letter with an error")
            #expect(error.contains("500") && error.contains("database is down"), "error: \(error)")
            #expect(stub.requests.count == 2, "expected 2 attempts, saw \(stub.requests)")
        }
    }

    @Test func longAnswerBodyIsShortenedInTheDeadLetter() async throws {
        let body = "first bytes " + String(repeating: "x", count: 100_000)
        try await withForwarding(otherwise: Answer(status: 502, body: body), environment: ["ANIMA_MAX_ATTEMPTS": "1"]) { f, _ in
            try await f.push(makeEvent().body)
            let error = try #require(await f.onlyDeadLetterError(), "no single dead letter with an error")
            #expect(error.contains("502") && error.contains("first bytes"), "error: \(error.prefix(300))")
            #expect(error.utf8.count < 2_000, "the error holds \(error.utf8.count) bytes of a 100 kB answer")
        }
    }

    @Test(arguments: [301, 302, 307, 308])
    func redirectIsNotFollowedAndCountsAsAFailure(status: Int) async throws {
        try await StubHTTPServer.run { elsewhere in
            let redirect = Answer(status: status, headers: [("Location", elsewhere.url("/moved"))])
            try await withForwarding(otherwise: redirect, environment: ["ANIMA_MAX_ATTEMPTS": "1"]) { f, stub in
                let event = makeEvent()
                try await f.push(event.body)
                let error = try #require(await f.onlyDeadLetterError(), "no single dead letter with an error")
                #expect(error.contains(String(status)), "error: \(error)")
                #expect(elsewhere.requests.isEmpty, "the \(status) redirect was followed: \(elsewhere.requests)")
                #expect(stub.requests.count == 1, "expected one request, saw \(stub.requests)")
                #expect(try await f.get("anima:event:\(event.id)") == nil, "a dead-lettered event has a mark")
            }
        }
    }

    @Test func destinationThatNeverAnswersIsDeadLetteredAsTimedOutAfterTheConfiguredTimeout() async throws {
        let metricsPort = FreePort.find()
        let environment = [
            "ANIMA_HANDLER_TIMEOUT_SECONDS": "1", "ANIMA_MAX_ATTEMPTS": "1", "ANIMA_METRICS_PORT": String(metricsPort),
        ]
        try await withForwarding(otherwise: .never, environment: environment) { f, stub in
            try await f.push(makeEvent().body)
            let error = try #require(
                await f.onlyDeadLetterError(timeout: .seconds(60)),
                "no single dead letter with an error; worker log:\n\(f.workerLogs)"
            )
            // The worker's timer says "timed out after 1 s"; the HTTP client, given the same
            // deadline, may give up first and say so.
            let named = error.contains("timed out after 1 s") || error.contains("no answer within the handler timeout")
            #expect(named, "expected the error to name the 1 s handler timeout, saw: \(error)")
            let letter = try #require(try await f.deadLetters().first.flatMap(jsonObject))
            #expect(letter["attempts"] as? Int == 1, "expected attempts 1, saw \(letter["attempts"] ?? "missing")")
            #expect(stub.requests.count == 1, "expected one request, saw \(stub.requests)")
            // The worker's own measure of the attempt: it lasted the timeout, and the 1 s limit
            // ended it, not the 10 s the fixture otherwise sets or the client's 10 s connect limit.
            let histogram = try #require(
                await handlerDurations(port: metricsPort, count: 1),
                "expected one attempt in anima_worker_handler_duration_seconds on /metrics"
            )
            #expect(
                histogram.sum >= 1.0 && histogram.sum < 10.0,
                "expected the attempt to last from 1 s (the timeout) to under 10 s, the worker measured \(histogram.sum) s"
            )
        }
    }

    @Test func refusedConnectionIsDeadLetteredSayingSoWhenAttemptsRunOut() async throws {
        // A port that was free a moment ago: nothing listens there.
        let port = FreePort.find()
        try await PipelineFixture.run { f in
            let environment = ["ANIMA_MAX_ATTEMPTS": "2", "ANIMA_RETRY_BASE_SECONDS": "0.1", "ANIMA_HANDLER_TIMEOUT_SECONDS": "5"]
            try await f.startWorker(["resource.created=http://127.0.0.1:\(port)/hook"], environment: environment)
            let event = makeEvent()
            try await f.push(event.body)
            let error = try #require(
                await f.onlyDeadLetterError(timeout: .seconds(60)),
                "no single dead letter with an error; worker log:\n\(f.workerLogs)"
            )
            #expect(error.lowercased().contains("refused"), "expected the error to mention the refusal, saw: \(error)")
            // A refusal is known at once: an attempt that waited out the 5 s timeout would say so.
            #expect(!error.contains("timed out"), "expected a refusal, not a timeout, saw: \(error)")
            let letter = try #require(try await f.deadLetters().first.flatMap(jsonObject))
            #expect(letter["attempts"] as? Int == 2, "expected attempts 2, saw \(letter["attempts"] ?? "missing")")
            // The worker's own measure of the first, retried attempt: well inside the 5 s timeout.
            let retry = f.workerLogs.split(separator: "\n").first { $0.contains("anima.result=retry") }.map(String.init) ?? ""
            #expect(retry.lowercased().contains("refused"), "expected the retry log line to mention the refusal, saw '\(retry)'")
            let failedAfter = retry.firstMatch(of: /anima\.duration_ms=(\d+)/).flatMap { Int($0.1) }
            #expect(
                (failedAfter ?? .max) < 5000,
                "expected attempt 1 to fail before the 5000 ms timeout, saw the log line '\(retry)'"
            )
        }
    }
}

/// The count and sum (seconds) of the worker's `anima_worker_handler_duration_seconds` on its
/// `/metrics` at `port`, once the count is `count` (waits at most 60 s); nil if it never is.
func handlerDurations(port: Int, count: Int) async -> (count: Int, sum: Double)? {
    let http = HTTPTestClient(port: port)
    var found: (count: Int, sum: Double)?
    _ = await eventually(timeout: .seconds(60), interval: .milliseconds(50)) {
        let text = (try? await http.request("GET", "/metrics").text) ?? ""
        func value(_ name: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
                .flatMap { Double($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)) }
        }
        guard let seen = value("anima_worker_handler_duration_seconds_count"), Int(seen) == count,
            let sum = value("anima_worker_handler_duration_seconds_sum")
        else { return false }
        found = (count, sum)
        return true
    }
    return found
}
