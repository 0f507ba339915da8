import AnimaTestSupport
import AnimaWebhooks
import AnimaWorker
import Testing

/// Handlers run side by side up to the configured concurrency, never beyond it. Checked by the
/// handlers' own start and end marks, not by the time the batch took.
@Suite("Worker runtime: concurrency")
struct WorkerConcurrencyRuntimeTests {
    @Test func handlersRunSideBySideUpToTheConcurrency() async throws {
        let marks = Marks()
        var handlers = HandlerRegistry()
        // Each handler holds its slot until all four have started (or the bound passes).
        handlers.on("test.event") { event, _ in await marks.runUntilOpen(event.id, opensAt: 4) }
        try await withWorker(handlers: handlers, configure: { $0.concurrency = 4 }) { fixture in
            for index in 0..<4 { try await fixture.push(RuntimeFixture.event("evt_\(index)")) }
            #expect(await eventually { fixture.events("processed") == 4 }, "expected processed 4, saw \(fixture.events("processed"))")
            #expect(marks.mostAtOnce == 4, "expected all 4 handlers running at once, saw at most \(marks.mostAtOnce)")
        }
    }

    @Test func noMoreHandlersRunAtOnceThanTheConcurrency() async throws {
        let marks = Marks()
        var handlers = HandlerRegistry()
        handlers.on("test.event") { event, _ in
            marks.start(event.id)
            defer { marks.end() }
            await Task.yield()
        }
        try await withWorker(handlers: handlers, configure: { $0.concurrency = 2 }) { fixture in
            for index in 0..<8 { try await fixture.push(RuntimeFixture.event("evt_\(index)")) }
            #expect(await eventually { fixture.events("processed") == 8 }, "expected processed 8, saw \(fixture.events("processed"))")
            #expect(marks.mostAtOnce <= 2, "expected at most 2 handlers at once, saw \(marks.mostAtOnce)")
        }
    }

    /// After a run of builtin-handler events the worker takes up to 64 at once; the slower
    /// events in such a batch get the free slots, and those beyond them go back to the front of
    /// the queue untried: never more handlers at once than the concurrency, each event once.
    /// (Not in the order they came: a batch taken ahead meanwhile passes them, as the worker's
    /// fetch loop says; order is kept per key, with `ANIMA_ORDER_KEY`. A slow machine, as under
    /// ThreadSanitizer, shows it.)
    @Test func eventsBeyondTheFreeSlotsOfALargeBatchGoBackAndRunLater() async throws {
        let marks = Marks()
        var handlers = HandlerRegistry()
        handlers.on("quick.event", AckHandler())
        handlers.on("test.event") { event, _ in
            marks.start(event.id)
            defer { marks.end() }
            await Task.yield()
        }
        try await withWorker(handlers: handlers, configure: { $0.concurrency = 1 }) { fixture in
            for index in 0..<150 {
                // Mostly quick events, with a slow one after every tenth.
                let slow = index.isMultiple(of: 10)
                try await fixture.push(RuntimeFixture.event("evt_\(index)", type: slow ? "test.event" : "quick.event"))
            }
            #expect(await eventually { fixture.events("processed") == 150 }, "expected processed 150, saw \(fixture.events("processed"))")
            #expect(marks.mostAtOnce == 1, "expected one handler at a time, saw \(marks.mostAtOnce) at once")
            let expected = stride(from: 0, to: 150, by: 10).map { "evt_\($0)" }
            #expect(
                marks.started.sorted() == expected.sorted(), "expected each slow event run once, saw \(marks.started)")
        }
    }
}
