import AnimaTestSupport
import Foundation
import Testing

/// One trace per event: the ingress's server span, each attempt's span as its child, with the
/// contract's attributes; exported over OTLP/HTTP to a real receiver.
@Suite("Traces: the spans of one event")
struct EventTraceTests {
    /// Fails its first attempt, succeeds at the second.
    static let failsOnce = #"[ "$ANIMA_EVENT_ATTEMPT" -ge 2 ]"#

    @Test func everyAttemptIsAChildOfTheIngressSpanInTheEventsOneTrace() async throws {
        try await TraceFixture.run(handlers: ["resource.created=\(Self.failsOnce)"]) { f in
            let id = try await f.send()
            let trace = await f.trace(of: id, attempts: 2)
            let ingress = try #require(trace.ingress, "expected the ingress's span and two attempts, saw \(trace)")
            #expect(trace.attempts.count == 2, "expected 2 attempt spans, saw \(trace)")
            #expect(ingress.parentSpanID.isEmpty, "expected the ingress's span to be a root (no sender context), saw \(ingress)")
            for attempt in trace.attempts {
                #expect(attempt.traceID == ingress.traceID, "expected trace \(ingress.traceID), saw \(attempt)")
                #expect(attempt.parentSpanID == ingress.spanID, "expected parent \(ingress.spanID), saw \(attempt)")
                #expect(attempt.service == "anima-worker", "expected service anima-worker, saw \(attempt)")
            }
            let traces = Set(trace.all.filter { $0.attributes["anima.event.id"] == id || $0.spanID == ingress.spanID }.map(\.traceID))
            #expect(traces.count == 1, "expected one trace for the event, saw \(traces)")
        }
    }

    @Test func anAttemptSpanCarriesTheEventsIDTypeAttemptResultAndQueueWait() async throws {
        try await TraceFixture.run(handlers: ["order.paid=true"]) { f in
            let id = try await f.send("order.paid")
            let trace = await f.trace(of: id, attempts: 1)
            let attempt = try #require(trace.attempts.first, "expected an attempt span, saw \(trace)")
            let wanted = ["anima.event.id": id, "anima.event.type": "order.paid", "anima.event.attempt": "1", "anima.result": "ok"]
            for (key, value) in wanted {
                #expect(attempt.attributes[key] == value, "\(key): expected \(value), saw \(attempt.attributes[key] ?? "none")")
            }
            let wait = attempt.attributes["anima.event.queue_wait_ms"].flatMap(Double.init)
            #expect(wait.map { $0 >= 0 } == true, "expected a queue wait in ms, saw \(attempt.attributes)")
            #expect(attempt.statusCode != 2, "expected no error status on a handled attempt, saw \(attempt)")
        }
    }

    @Test func aFailedAttemptHasAnErrorStatusAndItsResult() async throws {
        try await TraceFixture.run(handlers: ["resource.created=exit 3"], environment: ["ANIMA_MAX_ATTEMPTS": "2"]) { f in
            let id = try await f.send()
            let trace = await f.trace(of: id, attempts: 2)
            #expect(trace.attempts.count == 2, "expected 2 attempt spans, saw \(trace)")
            for (attempt, result) in zip(trace.attempts, ["retry", "dead"]) {
                #expect(attempt.isError, "expected an error status, saw \(attempt)")
                #expect(attempt.statusMessage.contains("status 3"), "expected the failure in the status, saw '\(attempt.statusMessage)'")
                #expect(attempt.attributes["anima.result"] == result, "expected result \(result), saw \(attempt)")
            }
        }
    }

    @Test func aSendersTraceparentIsTheParentOfTheIngressSpan() async throws {
        try await TraceFixture.run(handlers: ["resource.created=true"]) { f in
            let (traceID, parentID) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
            let id = try await f.send(headers: [("traceparent", "00-\(traceID)-\(parentID)-01"), ("tracestate", "vendor=abc")])
            let trace = await f.trace(of: id, attempts: 1)
            let ingress = try #require(trace.ingress, "expected the ingress's span, saw \(trace)")
            #expect(ingress.traceID == traceID, "expected the sender's trace \(traceID), saw \(ingress)")
            #expect(ingress.parentSpanID == parentID, "expected the sender's span \(parentID) as parent, saw \(ingress)")
            #expect(trace.attempts.first?.traceID == traceID, "expected the attempt in the sender's trace, saw \(trace)")
        }
    }

    @Test func anInvalidTraceparentStartsATraceOfItsOwn() async throws {
        try await TraceFixture.run(handlers: ["resource.created=true"]) { f in
            let id = try await f.send(headers: [("traceparent", "00-not-a-trace-01")])
            let trace = await f.trace(of: id, attempts: 1)
            let ingress = try #require(trace.ingress, "expected the ingress's span, saw \(trace)")
            #expect(ingress.parentSpanID.isEmpty, "expected a root span, saw \(ingress)")
            #expect(trace.attempts.first?.parentSpanID == ingress.spanID, "expected the attempt under the ingress's span, saw \(trace)")
        }
    }
}
