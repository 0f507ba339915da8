public import AnimaRedis
public import NIOCore

/// How one taken event leaves a worker's processing list: one atomic script step.
/// ``WorkerQueue/settle(_:)`` sends any number of them together in one round trip.
public struct Settlement: Sendable {
    public enum Step: Sendable {
        /// Success: the done mark (unless another worker owns the id now) and the acknowledgement.
        case complete(EventLease)
        /// Only the acknowledgement (a duplicate of a done event).
        case acknowledge
        /// Releases the lease, and schedules `entry` (the event with its attempts counted) to be
        /// taken again after `delay`.
        case schedule(ByteBuffer, after: Duration, releasing: EventLease?)
        /// Releases the lease, and moves the event to the dead letters as `letter`.
        case deadLetter(ByteBuffer, releasing: EventLease?)
        /// Releases the lease, and puts the entry back at the front of the pending list unchanged.
        case putBack(releasing: EventLease?)
        /// Releases the lease, and parks the entry while its type is paused (see ``PausedTypes``).
        case park(type: String, releasing: EventLease?)
        /// Nothing: the claim script moved the entry already (held back by its type's limit
        /// or breaker, see ``FlowScripts``).
        case none
    }

    /// The entry exactly as taken.
    public var entry: ByteBuffer
    public var step: Step
    /// The order key the event holds, when this step is its final outcome (complete,
    /// acknowledge, dead letter): the same script hands the key to the next waiting event.
    public var handover: OrderHold?

    public init(entry: ByteBuffer, step: Step, handover: OrderHold? = nil) {
        self.entry = entry
        self.step = step
        self.handover = handover
    }
}

/// What a ``Settlement``'s step found.
public enum Settled: Sendable, Equatable {
    /// The answer of a ``Settlement/Step/complete(_:)``.
    case completed(Completion)
    /// Any other step: true when the entry was still in our processing list and moved; false
    /// when it was no longer ours (recovered by another worker, or settled already).
    case moved(Bool)
}
