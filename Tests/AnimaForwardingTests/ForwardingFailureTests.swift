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

    @Test func destinationThatNeverAnswersIsDeadLetteredAsTimedOut() async throws {
        let environment = ["ANIMA_HANDLER_TIMEOUT_SECONDS": "1", "ANIMA_MAX_ATTEMPTS": "1"]
        try await withForwarding(otherwise: .never, environment: environment) { f, stub in
            try await f.push(makeEvent().body)
            let started = ContinuousClock.now
            let error = try #require(await f.onlyDeadLetterError(), "no single dead letter with an error")
            let took = ContinuousClock.now - started
            #expect(error.contains("timed out") || error.contains("timeout"), "error does not say it timed out: \(error)")
            #expect(took < TestTime.scaled(.seconds(5)), "a 1 s timeout took \(took) to dead-letter")
            #expect(stub.requests.count == 1, "expected one request, saw \(stub.requests)")
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
            let started = ContinuousClock.now
            let error = try #require(await f.onlyDeadLetterError(timeout: .seconds(15)), "no single dead letter with an error")
            let took = ContinuousClock.now - started
            #expect(error.lowercased().contains("refused"), "error does not mention the refusal: \(error)")
            // A refusal is known at once: two attempts must not each wait out the 5 s timeout.
            #expect(took < TestTime.scaled(.seconds(4)), "two refused attempts took \(took) to dead-letter")
            let letter = try #require(try await f.deadLetters().first.flatMap(jsonObject))
            #expect(letter["attempts"] as? Int == 2, "attempts: \(letter["attempts"] ?? "missing")")
        }
    }
}
