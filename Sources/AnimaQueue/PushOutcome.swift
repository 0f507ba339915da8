internal import AnimaRedis

/// What became of one event handed to ``EventPusher``.
public enum PushOutcome: Sendable {
    /// Redis acknowledged the push: the event is stored.
    case stored
    /// `ANIMA_MAX_PENDING` events were already waiting; the event was not stored.
    case queueFull
    /// Redis could not be reached or refused; the event was not stored.
    case unavailable(reason: String)
    /// No answer from Redis in time. The event was probably not stored, but may have been
    /// (a push already on the wire cannot be taken back); a retry by the sender is then a
    /// duplicate that the worker's idempotency check absorbs.
    case timedOut
    /// Stored on the master, but fewer than the required replicas confirmed it in time
    /// (`ANIMA_MIN_REPLICAS`). Answered like a failure: the sender retries, and the duplicate
    /// that may result is absorbed by the worker's idempotency check.
    case notReplicated(confirmed: Int, required: Int)
}
