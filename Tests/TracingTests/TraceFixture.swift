import AnimaTestSupport
import Foundation

/// A pipeline (throwaway Redis, real `anima-ingress` and `anima-worker`) exporting its spans to
/// a real OTLP receiver.
struct TraceFixture {
    let pipeline: PipelineFixture
    let receiver: OTLPReceiver
    let ingress: IngressProcess

    /// Runs `body` with a receiver, an ingress exporting to it and, when `handlers` are given, a
    /// worker exporting to it too (with `environment` over the pipeline's defaults); everything
    /// is stopped afterwards.
    static func run(
        handlers: [String], environment: [String: String] = [:], _ body: (TraceFixture) async throws -> Void
    ) async throws {
        try await PipelineFixture.run { pipeline in
            try await runWith(pipeline, handlers: handlers, environment: environment, body)
        }
    }

    /// The same on a pipeline the test already has (for its temp dir).
    static func runWith(
        _ pipeline: PipelineFixture, handlers: [String], environment: [String: String] = [:],
        _ body: (TraceFixture) async throws -> Void
    ) async throws {
        let receiver = try await OTLPReceiver()
        try await withCleanup {
            let ingress = try await pipeline.startIngress(environment: exporting(to: receiver.endpoint))
            try await pipeline.startWorker(handlers, environment: exporting(to: receiver.endpoint).merging(environment) { _, new in new })
            try await body(TraceFixture(pipeline: pipeline, receiver: receiver, ingress: ingress))
        } cleanup: {
            await receiver.stop()
        }
    }

    /// The variables that make a process export to `endpoint`, in batches sent every 100 ms.
    static func exporting(to endpoint: String) -> [String: String] {
        ["OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100", "OTEL_BSP_EXPORT_TIMEOUT": "2000"]
    }

    /// Posts a signed event of `type` through the ingress (with `headers` besides); its id.
    @discardableResult
    func send(_ type: String = "resource.created", headers: [(String, String)] = []) async throws -> String {
        let (id, body) = makeEvent(type)
        let answer = try await ingress.postSigned(Array(body.utf8), headers: headers)
        guard answer.status == 200 else { throw FixtureFailure("the ingress answered \(answer) to \(id)") }
        return id
    }

    /// The trace of event `id` once it holds the ingress's span and `attempts` attempt spans.
    func trace(of id: String, attempts: Int) async -> EventTrace {
        let spans = await receiver.spans { EventTrace(id: id, spans: $0).isComplete(attempts: attempts) }
        return EventTrace(id: id, spans: spans)
    }
}

/// The spans of one event: the ingress's (found by the trace its attempts are in) and its attempts', in order.
struct EventTrace: CustomStringConvertible {
    let attempts: [ReceivedSpan]
    let ingress: ReceivedSpan?
    let all: [ReceivedSpan]

    init(id: String, spans: [ReceivedSpan]) {
        attempts = spans.filter { $0.attributes["anima.event.id"] == id }
            .sorted { Int($0.attributes["anima.event.attempt"] ?? "") ?? 0 < Int($1.attributes["anima.event.attempt"] ?? "") ?? 0 }
        let traces = Set(attempts.map(\.traceID))
        ingress = spans.first { $0.service == "anima-ingress" && traces.contains($0.traceID) }
        all = spans
    }

    func isComplete(attempts count: Int) -> Bool { attempts.count >= count && ingress != nil }

    var description: String { "attempts: \(attempts), ingress: \(ingress.map(\.description) ?? "none"); all spans: \(all.count)" }
}

struct FixtureFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
