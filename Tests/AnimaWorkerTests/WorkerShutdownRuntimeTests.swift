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

    /// Stopped while it drains quick events (taking a round ahead), a worker leaves the events
    /// it did not finish in the queue, unchanged and in the order they came, behind the ones it
    /// finished, and nothing in its processing list.
    @Test func aWorkerStoppedMidDrainPutsWhatItTookBackInOrder() async throws {
        var handlers = HandlerRegistry()
        handlers.on("quick.event", AckHandler())
        try await withWorker(handlers: handlers) { fixture in
            let bodies = (0..<30_000).map { RuntimeFixture.event("evt_\($0)", type: "quick.event") }
            _ = try await fixture.redis.send(RedisCommand("LPUSH", arguments: [fixture.keys.events] + bodies))
            #expect(await eventually { fixture.events("processed") >= 300 }, "the worker never got going")
            try await fixture.stop()
            let pending = try await fixture.redis.send(RedisCommand("LRANGE", fixture.keys.events, 0, -1)).array?.compactMap(\.string) ?? []
            let finished = bodies.count - pending.count
            #expect(!pending.isEmpty, "expected the stop to come mid-drain, saw all \(bodies.count) events finished")
            let inOrder = pending == Array(bodies[finished...].reversed())
            #expect(inOrder, "expected evt_\(finished)…evt_29999 back in the queue in order, saw \(pending.suffix(2)) at its taking end")
            #expect(fixture.events("processed") == finished, "expected \(finished) processed, saw \(fixture.events("processed"))")
            let processing = try await fixture.count("LLEN", fixture.keys.processing(workerID: fixture.worker.configuration.workerID))
            #expect(processing == 0, "expected an empty processing list, saw \(processing) entries")
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
