/// The Redis key names of one queue, all under one prefix (`ANIMA_KEY_PREFIX`, default `anima`).
public struct QueueKeys: Sendable, Hashable {
    public let prefix: String

    public init(prefix: String = "anima") {
        self.prefix = prefix
    }

    /// List of pending events: the ingress pushes on the left, workers take from the right.
    public var events: String { "\(prefix):events" }
    /// List of dead letters, newest first.
    public var dead: String { "\(prefix):dead" }
    /// Idempotency mark of one event id.
    public func event(id: String) -> String { "\(prefix):event:\(id)" }
}

extension QueueKeys {
    /// Sorted set of events waiting for a retry (or a deferred duplicate), scored by due time (ms).
    public var scheduled: String { "\(prefix):scheduled" }
    /// Set of the ids of worker processes that may hold events.
    public var workers: String { "\(prefix):workers" }
    /// Heartbeat of one worker process; expires when the process stops refreshing it.
    public func worker(id: String) -> String { "\(prefix):worker:\(id)" }
    /// List of the events one worker process has taken and not yet finished.
    public func processing(workerID: String) -> String { "\(prefix):processing:\(workerID)" }
}

extension QueueKeys {
    /// Stream of recorded outcomes, newest last, capped at `ANIMA_HISTORY_MAX` (approximately).
    public var history: String { "\(prefix):history" }
    /// List of the `history` stream ids of one event's outcomes; expires with the done mark's TTL.
    public func history(id: String) -> String { "\(prefix):history:\(id)" }
    /// Hash from the SHA-1 of a raw body to `"<received ms> <sender timestamp s>"` (ms to the µs), written by
    /// the ingress beside the push and removed by the worker with the event's final outcome.
    public var received: String { "\(prefix):received" }
    /// Set of the event types that are paused.
    public var paused: String { "\(prefix):paused" }
    /// List of the events of one paused type, waiting for `resume`, newest first.
    public func paused(type: String) -> String { "\(prefix):paused:\(type)" }
}

extension QueueKeys {
    /// The id of the event that holds an order key (see ``OrderScripts``); absent while no
    /// event of the key is taken or waiting.
    public func orderHeld(key: String) -> String { orderHeldPrefix + key }
    /// What ``orderHeld(key:)`` puts before the key (the ordered take writes it from bytes).
    public var orderHeldPrefix: String { "\(prefix):ordered:held:" }
    /// The events waiting for an order key, oldest first, as pairs: id, entry.
    public func orderWaiting(key: String) -> String { "\(prefix):ordered:waiting:\(key)" }
    /// Hash from the id of each event waiting for its key to that key.
    public var orderWaits: String { "\(prefix):ordered:waits" }
}

extension QueueKeys {
    /// Hash from an event type to its ``FlowLimit`` (JSON).
    public var limits: String { "\(prefix):limits" }
    /// Hash from an event type to its ``BreakerSettings`` (JSON).
    public var breakers: String { "\(prefix):breakers" }
    /// Hash: the state of one type's breaker (absent while closed with no attempt recorded).
    public func breakerState(type: String) -> String { "\(prefix):breaker:\(type)" }
    /// Sorted set of the running attempts of one limited type, scored by when their slot
    /// expires (ms) unless its worker renews it.
    public func flowSlots(type: String) -> String { "\(prefix):flow:slots:\(type)" }
    /// When the next attempt of one rate-limited type may start (ms, a GCRA's arrival time).
    public func flowRate(type: String) -> String { "\(prefix):flow:rate:\(type)" }
    /// List of the events of one type held back by its limit or breaker, newest first.
    public func held(type: String) -> String { "\(prefix):held:\(type)" }
}
