/// Why an event of a flow-controlled type waits in `anima:held:<type>` (see ``FlowScripts``).
public enum FlowHold: String, Sendable, Equatable {
    /// Its type's concurrency or rate limit (or events of its type held before it).
    case limit
    /// Its type's breaker is open, or its one probe is running.
    case breaker
}
