/// The W3C trace context of the ingress's span of one event (`traceparent`, and `tracestate`
/// when there is one), kept in the event's ``Receipt`` so that the worker's spans of the event
/// join its trace. Plain strings: the queue knows nothing of tracing.
public struct TraceHeaders: Sendable, Equatable {
    public var traceparent: String
    public var tracestate: String?

    public init(traceparent: String, tracestate: String? = nil) {
        self.traceparent = traceparent
        self.tracestate = tracestate
    }

    /// The value of a header by its lower-case name; nil for other names.
    public subscript(name: String) -> String? {
        switch name {
        case "traceparent": traceparent
        case "tracestate": tracestate
        default: nil
        }
    }

    /// A `traceparent` as the receipt can hold it: printable, no space, at most 64 bytes (the
    /// spec's is 55).
    static func isStorable(_ traceparent: String) -> Bool {
        !traceparent.isEmpty && traceparent.utf8.count <= 64 && traceparent.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f }
    }
}
