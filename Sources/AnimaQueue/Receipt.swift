public import AnimaRedis
public import Foundation
public import NIOCore

/// An event's receipt in `anima:received`, written by the ingress beside its push: when the
/// ingress received it, to the microsecond, and the sender's signed timestamp, as
/// `"1764000000123.456 1764000000"` (ms since 1970, then s). Ingresses before 2026-12-02 wrote
/// whole milliseconds; both forms read. With traces on, the ingress's span context follows:
/// `"… <traceparent>"`, then ` <tracestate>` when there is one (the rest of the text).
public struct Receipt: Sendable, Equatable {
    /// When the ingress received the event, in microseconds since 1970.
    public let receivedMicroseconds: Int64
    /// The sender's `x-anima-timestamp`, in seconds since 1970.
    public let sentAt: Int64
    /// The ingress's span of the event, when traces are on.
    public let trace: TraceHeaders?

    public init(receivedAt: Date, sentAt: Int64, trace: TraceHeaders? = nil) {
        self.receivedMicroseconds = Int64((receivedAt.timeIntervalSince1970 * 1_000_000).rounded(.down))
        self.sentAt = sentAt
        self.trace = trace.flatMap { TraceHeaders.isStorable($0.traceparent) ? $0 : nil }
    }

    /// Reads a receipt's text; nil when it is not one.
    public init?(_ text: String) {
        let parts = text.split(separator: " ", maxSplits: 3)
        guard parts.count >= 2, let milliseconds = Double(parts[0]), milliseconds.isFinite, milliseconds >= 0,
            let microseconds = Int64(exactly: (milliseconds * 1000).rounded()), let sentAt = Int64(parts[1])
        else { return nil }
        self.receivedMicroseconds = microseconds
        self.sentAt = sentAt
        let state = parts.count > 3 ? String(parts[3]) : nil
        self.trace = parts.count > 2 ? TraceHeaders(traceparent: String(parts[2]), tracestate: state) : nil
    }

    /// The receipt as stored.
    public var text: String {
        let fraction = String(receivedMicroseconds % 1000)
        var text = "\(receivedMicroseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction + " \(sentAt)"
        if let trace {
            text += " " + trace.traceparent
            if let state = trace.tracestate, !state.isEmpty { text += " " + state }
        }
        return text
    }

    /// When the ingress received the event, in milliseconds since 1970.
    public var receivedMilliseconds: Double { Double(receivedMicroseconds) / 1000 }

    /// The field of an event's receipt in `anima:received`: the SHA-1 of its raw body.
    public static func field(of body: ByteBuffer) -> String { SHA1Hex.of(body) }

    /// The millisecond in which the ingress received the event (what the history shows).
    public var receivedWholeMilliseconds: Int64 { receivedMicroseconds / 1000 }
}
