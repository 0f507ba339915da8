import AnimaQueue
import NIOCore

/// One taken event with its ``Verdict``, and what settling it needs to know.
struct JudgedEvent: Sendable {
    /// The entry exactly as taken.
    let stored: ByteBuffer
    let parsed: ParsedEntry
    let verdict: Verdict
    /// Our lease on the event id, when we hold one.
    var lease: EventLease? = nil
    /// How long the handler ran; nil when no handler task ran (quick path, no claim).
    var handlerDuration: Duration? = nil

    /// The number of this attempt (1 for the first).
    var attempt: Int { parsed.entry.attempts + 1 }
}
