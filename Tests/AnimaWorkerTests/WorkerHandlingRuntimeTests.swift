import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import AnimaWebhooks
import AnimaWorker
import NIOCore
import Testing

/// One event's fate, in process: each verdict's step in Redis and its counter.
@Suite("Worker runtime: handling")
struct WorkerHandlingRuntimeTests {
    struct Failure: Error {}

    @Test func successfulHandlerLeavesADoneMarkAndCountsProcessed() async throws {
        let marks = Marks()
        var handlers = HandlerRegistry()
        handlers.on("test.event") { event, _ in marks.start(event.id, attempt: event.attempt) }
        try await withWorker(handlers: handlers) { fixture in
            try await fixture.push(RuntimeFixture.event("evt_ok"))
            let done = try await eventually { try await fixture.doneMark("evt_ok") == "done" }
            #expect(done, "expected a done mark for evt_ok")
            #expect(
                marks.started == ["evt_ok"] && marks.attempts == [1],
                "expected one run as attempt 1, saw \(marks.started) \(marks.attempts)")
            #expect(await eventually { fixture.events("processed") == 1 }, "expected processed 1, saw \(fixture.events("processed"))")
        }
    }

    @Test func eventsAreStillSettledWhileTheHistoryCannotBeRecorded() async throws {
        let marks = Marks()
        var handlers = HandlerRegistry()
        handlers.on("test.event") { event, _ in marks.start(event.id) }
        try await withWorker(handlers: handlers) { fixture in
            _ = try await fixture.redis.send(RedisCommand("SET", fixture.keys.history, "not a stream"))
            for id in ["evt_h1", "evt_h2"] { try await fixture.push(RuntimeFixture.event(id)) }
            let done = try await eventually {
                let marks = [try await fixture.doneMark("evt_h1"), try await fixture.doneMark("evt_h2")]
                return marks == ["done", "done"]
            }
            #expect(done, "expected done marks for evt_h1 and evt_h2 while XADD fails")
            #expect(
                await eventually { fixture.events("processed") == 2 },
                "expected processed 2 (each once), saw \(fixture.events("processed"))")
            #expect(marks.started.sorted() == ["evt_h1", "evt_h2"], "expected one run each, saw \(marks.started)")
            #expect(try await fixture.count("LLEN", fixture.keys.processing(workerID: "w-runtime")) == 0, "an event was not acknowledged")
        }
    }

    @Test func duplicateOfADoneEventIsAcknowledgedWithoutRunningTheHandler() async throws {
        let marks = Marks()
        var handlers = HandlerRegistry()
        handlers.on("test.event") { event, _ in marks.start(event.id) }
        try await withWorker(handlers: handlers) { fixture in
            _ = try await fixture.redis.send(RedisCommand("SET", fixture.keys.event(id: "evt_dup"), "done"))
            try await fixture.push(RuntimeFixture.event("evt_dup"))
            #expect(await eventually { fixture.events("duplicate") == 1 }, "expected duplicate 1, saw \(fixture.events("duplicate"))")
            #expect(marks.started.isEmpty, "the handler ran for a duplicate: \(marks.started)")
            #expect(
                try await fixture.count("LLEN", fixture.keys.processing(workerID: "w-runtime")) == 0, "the duplicate was not acknowledged")
        }
    }

    @Test func failedAttemptIsScheduledWithTheAttemptCounted() async throws {
        var handlers = HandlerRegistry()
        handlers.on("test.event") { _, _ in throw Failure() }
        try await withWorker(handlers: handlers) { fixture in
            try await fixture.push(RuntimeFixture.event("evt_fail"))
            #expect(await eventually { fixture.events("retried") == 1 }, "expected retried 1, saw \(fixture.events("retried"))")
            let scheduled = (try await fixture.redis.send(RedisCommand("ZRANGE", fixture.keys.scheduled, 0, -1)).array ?? []).compactMap(
                \.bytes)
            let attempts = scheduled.map { QueueEntry(stored: $0).attempts }
            #expect(attempts == [1], "expected one scheduled retry with 1 attempt counted, saw \(attempts)")
            #expect(try await fixture.doneMark("evt_fail") == nil, "a failed attempt left a mark on the event")
            #expect(fixture.events("failed") == 1, "expected failed 1, saw \(fixture.events("failed"))")
        }
    }

    @Test func retryRunsAgainAsTheNextAttempt() async throws {
        let marks = Marks()
        var handlers = HandlerRegistry()
        handlers.on("test.event") { event, _ in
            marks.start(event.id, attempt: event.attempt)
            if event.attempt == 1 { throw Failure() }
        }
        try await withWorker(handlers: handlers, configure: { $0.retryBase = .milliseconds(1) }) { fixture in
            try await fixture.push(RuntimeFixture.event("evt_again"))
            #expect(try await eventually { try await fixture.doneMark("evt_again") == "done" }, "the retry never succeeded")
            #expect(marks.attempts == [1, 2], "expected attempts [1, 2], saw \(marks.attempts)")
        }
    }

    @Test func lastFailedAttemptGoesToTheDeadLetters() async throws {
        var handlers = HandlerRegistry()
        handlers.on("test.event") { _, _ in throw HandlerFailure("upstream said no") }
        try await withWorker(handlers: handlers, configure: { $0.maxAttempts = 1 }) { fixture in
            try await fixture.push(RuntimeFixture.event("evt_dead"))
            #expect(
                await eventually { fixture.events("dead_lettered") == 1 },
                "expected dead_lettered 1, saw \(fixture.events("dead_lettered"))")
            let letters = try await DeadLetterStore(keys: fixture.keys, client: fixture.redis).list(limit: 10)
            let letter = letters.first?.letter
            #expect(
                letter?.id == "evt_dead" && letter?.attempts == 1, "expected evt_dead after 1 attempt, saw \(String(describing: letter))")
            #expect(letter?.error == "upstream said no", "expected the handler's message, saw \(String(describing: letter?.error))")
        }
    }

    @Test func malformedBodyIsDeadLetteredWithoutAnAttempt() async throws {
        let marks = Marks()
        var handlers = HandlerRegistry()
        handlers.on("*") { event, _ in marks.start(event.id) }
        try await withWorker(handlers: handlers) { fixture in
            try await fixture.push(#"{"type":"no.id"}"#)
            #expect(
                await eventually { fixture.events("dead_lettered") == 1 },
                "expected dead_lettered 1, saw \(fixture.events("dead_lettered"))")
            let letter = try await DeadLetterStore(keys: fixture.keys, client: fixture.redis).list(limit: 10).first?.letter
            #expect(
                letter?.attempts == 0 && letter?.type == "no.id",
                "expected a letter of type no.id after 0 attempts, saw \(String(describing: letter))")
            #expect(marks.started.isEmpty, "a handler ran for a malformed body: \(marks.started)")
        }
    }

    @Test func typeWithoutHandlerIsAcknowledgedWithADoneMark() async throws {
        try await withWorker(handlers: HandlerRegistry()) { fixture in
            try await fixture.push(RuntimeFixture.event("evt_nobody"))
            #expect(await eventually { fixture.events("unhandled") == 1 }, "expected unhandled 1, saw \(fixture.events("unhandled"))")
            #expect(try await fixture.doneMark("evt_nobody") == "done", "expected a done mark for an unhandled event")
        }
    }

    @Test func builtinHandlerSettlesOnTheQuickPath() async throws {
        var handlers = HandlerRegistry()
        handlers.on("test.event", AckHandler())
        try await withWorker(handlers: handlers) { fixture in
            for index in 0..<3 { try await fixture.push(RuntimeFixture.event("evt_ack\(index)")) }
            #expect(await eventually { fixture.events("processed") == 3 }, "expected processed 3, saw \(fixture.events("processed"))")
            for index in 0..<3 {
                #expect(try await fixture.doneMark("evt_ack\(index)") == "done", "expected a done mark for evt_ack\(index)")
            }
        }
    }

    @Test func copyOfARunningEventIsDeferredAndAcknowledgedOnceTheOriginalIsDone() async throws {
        let marks = Marks()
        var handlers = HandlerRegistry()
        // The first copy runs until the test saw the second one deferred.
        handlers.on("test.event") { event, _ in await marks.runUntilOpen(event.id) }
        try await withWorker(handlers: handlers) { fixture in
            try await fixture.push(RuntimeFixture.event("evt_twice"))
            try await fixture.push(RuntimeFixture.event("evt_twice"))
            let deferred = await eventually { fixture.events("deferred") >= 1 }
            marks.open()
            #expect(deferred, "expected the second copy to be deferred, saw deferred \(fixture.events("deferred"))")
            #expect(
                await eventually { fixture.events("duplicate") == 1 },
                "expected the copy acknowledged as a duplicate, saw \(fixture.events("duplicate"))")
            #expect(marks.started == ["evt_twice"], "expected one run, saw \(marks.started)")
        }
    }
}
