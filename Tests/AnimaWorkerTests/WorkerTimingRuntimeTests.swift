import AnimaTestSupport
import AnimaWorker
import Foundation
import NIOConcurrencyHelpers
import Testing

/// The per-type timings on `/metrics`, read against marks the handler leaves.
@Suite("Worker runtime: timings")
struct WorkerTimingRuntimeTests {
    /// The queue wait runs from the ingress's receipt to the start of handling: it ends after
    /// the push and no later than the handler's own first mark, whatever settling takes after.
    @Test func queueWaitEndsWhenTheHandlerStarts() async throws {
        let handlerStarted = NIOLockedValueBox<Double?>(nil)
        var handlers = HandlerRegistry()
        handlers.on("test.event") { _, _ in handlerStarted.withLockedValue { $0 = $0 ?? Date().timeIntervalSince1970 * 1000 } }
        try await withWorker(handlers: handlers) { fixture in
            // A receipt a minute old, as if the event had waited that long before this worker.
            let received = Int64(Date().timeIntervalSince1970 * 1000) - 60_000
            let beforePush = Date().timeIntervalSince1970 * 1000
            try await fixture.push(RuntimeFixture.event("evt_wait"), receivedAt: received, sentAt: received / 1000)
            #expect(await eventually { fixture.events("processed") == 1 }, "expected processed 1, saw \(fixture.events("processed"))")
            let sum = try #require(
                fixture.histogramSum("anima_worker_queue_wait_seconds", type: "test.event"), "expected a queue wait for test.event")
            let start = try #require(handlerStarted.withLockedValue { $0 }, "expected the handler to have run")
            let waitEnded = Double(received) + sum * 1000
            // The wait is kept to the microsecond: allow that rounding, nothing more.
            #expect(
                waitEnded <= start + 0.001, "expected the wait to end by the handler's start (\(start) ms), it ended at \(waitEnded) ms")
            #expect(
                waitEnded >= beforePush - 0.001, "expected the wait to end after the push (\(beforePush) ms), it ended at \(waitEnded) ms")
        }
    }
}
