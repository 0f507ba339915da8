import AnimaQueue
import Foundation
import Tracing

/// One span per attempt, in the trace of the ingress's span of the event (its context comes
/// with the event's ``Receipt``) and its child; the handler runs inside it, so its own
/// instrumented calls (and the `traceparent` of a forward or a command) join the trace.
///
/// Made only when the process bootstrapped a tracer (`InstrumentationSystem`); without one the
/// worker makes no span and reads no receipt at take.
struct AttemptTracer: Sendable {
    let tracer: any Tracer

    /// The process's tracer; nil when none was bootstrapped.
    static func bootstrapped() -> AttemptTracer? {
        let tracer = InstrumentationSystem.tracer
        return tracer is NoOpTracer ? nil : AttemptTracer(tracer: tracer)
    }

    /// Starts the span of one attempt, as the child of the span in `receipt`.
    func start(id: String, type: String, attempt: Int, receipt: Receipt?) -> any Span {
        var parent = ServiceContext.topLevel
        if let trace = receipt?.trace {
            tracer.extract(trace, into: &parent, using: ReceiptTraceExtractor())
        }
        let span = tracer.startSpan("handle \(type)", context: parent, ofKind: .consumer)
        // One update: each `attributes[…] =` alone copies all the span's attributes.
        span.updateAttributes { attributes in
            attributes["anima.event.id"] = id
            attributes["anima.event.type"] = type
            attributes["anima.event.attempt"] = attempt
            if let receipt {
                let waited = Date().timeIntervalSince1970 * 1000 - receipt.receivedMilliseconds
                attributes["anima.event.queue_wait_ms"] = (waited * 1000).rounded() / 1000
            }
        }
        return span
    }

    /// Ends an attempt's span with its outcome's result, and an error status when it failed.
    func end(_ span: any Span, _ outcome: Outcome) {
        if let record = outcome.record {
            span.attributes["anima.result"] = record.result.rawValue
            if let error = record.error { span.setStatus(SpanStatus(code: .error, message: error)) }
        }
        span.end()
    }
}

/// Reads the ingress's `traceparent` and `tracestate` from a receipt.
private struct ReceiptTraceExtractor: Extractor {
    func extract(key: String, from carrier: TraceHeaders) -> String? { carrier[key.lowercased()] }
}
