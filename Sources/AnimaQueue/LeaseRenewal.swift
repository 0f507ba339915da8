public import AnimaRedis

/// The answer to "extend my lease on this event id".
public enum LeaseRenewal: Sendable, Equatable {
    /// Still ours, extended.
    case extended
    /// No lease is left: it expired (a Redis outage or a stall longer than the lease), or the
    /// event was settled meanwhile. ``WorkerQueue/retake(eventID:token:entry:lease:)`` tells which.
    case expired
    /// Another worker holds it, or the event is done.
    case lost

    /// The renewal script's reply (`1`, `2`, `0`); nil for anything else.
    public init?(reply: RedisValue) {
        switch reply.int {
        case 1: self = .extended
        case 2: self = .expired
        case 0: self = .lost
        default: return nil
        }
    }
}
