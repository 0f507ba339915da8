import AnimaTestSupport
import AnimaWorker
import InMemoryTracing
import NIOConcurrencyHelpers
import Testing
import Tracing

/// Spans of attempts, in process, with an in-memory tracer made active for the worker.
@Suite("Worker runtime: traces")
struct WorkerTracingRuntimeTests {
    struct Failure: Error {}

    @Test func aSwiftHandlerRunsInsideItsAttemptsSpan() async throws {
        let tracer = InMemoryTracer()
        let seen = NIOLockedValueBox<[String]>([])
        var handlers = HandlerRegistry()
        handlers.on("test.event") { _, _ in
            seen.withLockedValue { $0.append(ServiceContext.current?.inMemorySpanContext?.spanID ?? "no span") }
        }
        try await withWorker(handlers: handlers, tracer: tracer) { fixture in
            try await fixture.push(RuntimeFixture.event("evt_span"))
            #expect(try await eventually { try await fixture.doneMark("evt_span") == "done" }, "expected evt_span done")
            let spans = tracer.finishedSpans.filter { $0.operationName == "handle test.event" }
            #expect(spans.count == 1, "expected one attempt span, saw \(spans.map(\.operationName))")
            #expect(
                seen.withLockedValue { $0 } == spans.map(\.spanID),
                "expected the handler inside span \(spans.map(\.spanID)), saw \(seen.withLockedValue { $0 })")
        }
    }

    @Test func aFailedAttemptsSpanHasAnErrorStatusAndTheRetryResult() async throws {
        let tracer = InMemoryTracer()
        var handlers = HandlerRegistry()
        handlers.on("test.event") { _, _ in throw HandlerFailure("downstream said no") }
        try await withWorker(handlers: handlers, tracer: tracer) { fixture in
            try await fixture.push(RuntimeFixture.event("evt_fail"))
            let ended = await eventually { tracer.finishedSpans.contains { $0.operationName == "handle test.event" } }
            let span = try #require(
                tracer.finishedSpans.first { $0.operationName == "handle test.event" }, "expected an attempt span (ended: \(ended))")
            #expect(span.status?.code == .error, "expected an error status, saw \(String(describing: span.status))")
            #expect(
                span.status?.message == "downstream said no", "expected the failure as the message, saw \(String(describing: span.status))")
            #expect(
                span.attributes["anima.result"]?.toSpanAttribute() == .string("retry"),
                "expected anima.result retry, saw \(span.attributes)")
        }
    }

    @Test func withoutATracerAHandlerSeesNoSpan() async throws {
        let seen = NIOLockedValueBox<[Bool]>([])
        var handlers = HandlerRegistry()
        handlers.on("test.event") { _, _ in seen.withLockedValue { $0.append(ServiceContext.current == nil) } }
        try await withWorker(handlers: handlers) { fixture in
            try await fixture.push(RuntimeFixture.event("evt_plain"))
            #expect(try await eventually { try await fixture.doneMark("evt_plain") == "done" }, "expected evt_plain done")
            #expect(seen.withLockedValue { $0 } == [true], "expected one run with no context, saw \(seen.withLockedValue { $0 })")
        }
    }
}
