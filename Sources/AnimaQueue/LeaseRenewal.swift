/// The answer to "extend my lease on this event id".
public enum LeaseRenewal: Sendable, Equatable {
    /// Still ours, extended.
    case extended
    /// No lease is left: it expired (a Redis outage or a stall longer than the lease), or the
    /// event was settled meanwhile. ``WorkerQueue/retake(eventID:token:entry:lease:)`` tells which.
    case expired
    /// Another worker holds it, or the event is done.
    case lost
}
