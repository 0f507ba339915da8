import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import AnimaWebhooks
import AnimaWorker
import NIOCore
import Testing

/// Graceful stop in process: a handler that finishes within the grace period is settled; one
/// that outlives it is interrupted and its event put back unchanged (the attempt not counted).
@Suite("Worker runtime: shutdown")
struct WorkerShutdownRuntimeTests {
    @Test func handlerFinishingWithinTheGraceIsSettledBeforeTheWorkerStops() async throws {
        let marks = Marks()
        var handlers = HandlerRegistry()
        // Runs until the test has asked the worker to stop.
        handlers.on("test.event") { event, _ in await marks.runUntilOpen(event.id) }
        try await withWorker(handlers: handlers) { fixture in
            try await fixture.push(RuntimeFixture.event("evt_grace"))
            #expect(await eventually { marks.started.count == 1 }, "the handler never started")
            let stopped = Task { try await fixture.stop() }
            marks.open()  // lets the handler finish, after the stop began
            try await stopped.value
            #expect(try await fixture.doneMark("evt_grace") == "done", "the handler's success was not recorded before the worker stopped")
            #expect(try await fixture.count("LLEN", fixture.keys.events) == 0, "the event went back to the queue")
        }
    }

    @Test func handlerOutlivingTheGraceIsInterruptedAndItsEventPutBackUncounted() async throws {
        let cancelled = Marks()
        var handlers = HandlerRegistry()
        handlers.on("test.event") { event, _ in
            cancelled.start(event.id)
            do { try await Task.sleep(for: .seconds(600)) } catch { cancelled.end() }
        }
        try await withWorker(handlers: handlers, configure: { $0.shutdownGrace = .milliseconds(100) }) { fixture in
            let body = RuntimeFixture.event("evt_slow")
            try await fixture.push(body)
            #expect(await eventually { cancelled.started.count == 1 }, "the handler never started")
            try await fixture.stop()
            let pending = try await fixture.redis.send(RedisCommand("LRANGE", fixture.keys.events, 0, -1)).array?.compactMap(\.string)
            #expect(pending == [body], "expected the event back on the queue unchanged, saw \(String(describing: pending))")
            #expect(try await fixture.doneMark("evt_slow") == nil, "the interrupted event kept a lease or got a done mark")
            #expect(await eventually { cancelled.running == 0 }, "the handler's task was not cancelled")
            #expect(fixture.events("failed") == 0 && fixture.events("retried") == 0, "the interruption was counted as a failure")
        }
    }

    @Test func stoppedWorkerLeavesTheLiveWorkerSet() async throws {
        try await withWorker(handlers: HandlerRegistry()) { fixture in
            #expect(try await eventually { try await fixture.count("SCARD", fixture.keys.workers) == 1 }, "the worker never registered")
            try await fixture.stop()
            #expect(try await fixture.count("SCARD", fixture.keys.workers) == 0, "the stopped worker is still registered")
        }
    }
}
