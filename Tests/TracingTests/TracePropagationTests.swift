import AnimaTestSupport
import Foundation
import Testing

/// The attempt's span goes on to what the handler calls: the forwarded request's
/// `traceparent`, the command's `TRACEPARENT`.
@Suite("Traces: handed on to forwards and commands")
struct TracePropagationTests {
    @Test func theForwardedRequestCarriesTheAttemptSpansTraceparent() async throws {
        try await StubHTTPServer.run(otherwise: .ok) { stub in
            try await TraceFixture.run(handlers: ["resource.created=\(stub.url())"]) { f in
                let id = try await f.send()
                let trace = await f.trace(of: id, attempts: 1)
                let attempt = try #require(trace.attempts.first, "expected an attempt span, saw \(trace)")
                let request = try #require(await stub.waitForRequests(1).first, "the stub got no request")
                let header = request.header("traceparent")
                #expect(
                    header == "00-\(attempt.traceID)-\(attempt.spanID)-01",
                    "expected traceparent 00-\(attempt.traceID)-\(attempt.spanID)-01, saw \(header ?? "none")"
                )
            }
        }
    }

    @Test func theCommandGetsTheAttemptSpansTraceparentInItsEnvironment() async throws {
        try await PipelineFixture.run { pipeline in
            let file = pipeline.path("traceparent.log")
            try await TraceFixture.runWith(pipeline, handlers: [#"resource.created=echo "$TRACEPARENT" >> '\#(file)'"#]) { f in
                let id = try await f.send()
                let trace = await f.trace(of: id, attempts: 1)
                let attempt = try #require(trace.attempts.first, "expected an attempt span, saw \(trace)")
                let seen = pipeline.lines("traceparent.log")
                #expect(seen == ["00-\(attempt.traceID)-\(attempt.spanID)-01"], "expected the attempt's traceparent, saw \(seen)")
            }
        }
    }
}
