import AnimaQueue
import HTTPTypes
import Tracing

/// The ingress's server span of each webhook request: the sender's `traceparent` (with its
/// `tracestate`) is its parent when valid, and its own context goes into the event's receipt,
/// so that the worker's spans of the event are its children.
///
/// Made only when the process bootstrapped a tracer (`InstrumentationSystem`); without one the
/// ingress makes no span and its receipts stay as they were.
struct WebhookTracer: Sendable {
    let tracer: any Tracer

    /// The process's tracer; nil when none was bootstrapped.
    static func bootstrapped() -> WebhookTracer? {
        let tracer = InstrumentationSystem.tracer
        return tracer is NoOpTracer ? nil : WebhookTracer(tracer: tracer)
    }

    /// Starts the span of one webhook request.
    func start(_ head: HTTPRequest) -> any Span {
        var parent = ServiceContext.topLevel
        tracer.extract(head.headerFields, into: &parent, using: RequestHeadersExtractor())
        let span = tracer.startSpan("POST /webhooks/anima", context: parent, ofKind: .server)
        // One update: each `attributes[…] =` alone copies all the span's attributes.
        span.updateAttributes { attributes in
            attributes["http.request.method"] = "POST"
            attributes["url.path"] = "/webhooks/anima"
        }
        return span
    }

    /// The span's context as the receipt keeps it.
    func headers(of span: any Span) -> TraceHeaders? {
        var carrier: [String: String] = [:]
        tracer.inject(span.context, into: &carrier, using: DictionaryInjector())
        return carrier["traceparent"].map { TraceHeaders(traceparent: $0, tracestate: carrier["tracestate"]) }
    }

    /// Ends the span with the answer's status; a 5xx is an error.
    func end(_ span: any Span, status: HTTPResponse.Status) {
        span.attributes["http.response.status_code"] = status.code
        if status.code >= 500 { span.setStatus(SpanStatus(code: .error, message: status.reasonPhrase)) }
        span.end()
    }
}

private struct RequestHeadersExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { carrier[$0] }
    }
}

private struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}
