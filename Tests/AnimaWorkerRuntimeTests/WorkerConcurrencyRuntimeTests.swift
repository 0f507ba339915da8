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
}
