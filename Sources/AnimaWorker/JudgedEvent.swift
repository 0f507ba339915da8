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
    /// When handling began (seconds since 1970): the handler's start, or the moment the quick
    /// path judged the event. The queue-wait metric ends here, not at the settle that follows.
    var startedAt: Double? = nil
    /// The order key the event holds (ordered takes only): its final outcome hands it over.
    var hold: OrderHold? = nil
    /// Its admission under its type's limit or breaker: its settle frees the slot and tells
    /// the breaker how the attempt ended.
    var flow: FlowTicket? = nil

    init(
        stored: ByteBuffer, parsed: ParsedEntry, verdict: Verdict, lease: EventLease? = nil,
        handlerDuration: Duration? = nil, startedAt: Double? = nil, hold: OrderHold? = nil
    ) {
        self.stored = stored
        self.parsed = parsed
        self.verdict = verdict
        self.lease = lease
        self.handlerDuration = handlerDuration
        self.startedAt = startedAt
        self.hold = hold
    }

    /// `taken` with its verdict.
    init(
        _ taken: WorkerQueue.Taken<ParsedEntry>, _ verdict: Verdict, lease: EventLease? = nil, handlerDuration: Duration? = nil,
        startedAt: Double? = nil
    ) {
        self.init(
            stored: taken.stored, parsed: taken.parsed, verdict: verdict, lease: lease, handlerDuration: handlerDuration,
            startedAt: startedAt, hold: taken.hold)
        self.flow = taken.flow
    }

    /// The number of this attempt (1 for the first).
    var attempt: Int { parsed.entry.attempts + 1 }
}
