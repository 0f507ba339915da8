public import AnimaRedis

/// The answer to "may I run the handler for this event id?".
public enum ClaimResult: Sendable, Equatable {
    /// The lease is ours: run the handler.
    case claimed
    /// A done mark exists: the event was handled already; acknowledge the duplicate.
    case alreadyDone
    /// Another worker holds the lease right now: defer this copy.
    case heldElsewhere
    /// Its type's limit or breaker holds it back: the claim script moved it to the type's held
    /// list, unclaimed (see ``FlowScripts``).
    case heldBack(FlowHold)

    /// The claim script's reply (`1`, `0`, `2`, `3`, `4`); nil for anything else: no claim was made.
    public init?(reply: RedisValue) {
        switch reply.int {
        case 1: self = .claimed
        case 0: self = .alreadyDone
        case 2: self = .heldElsewhere
        case 3: self = .heldBack(.limit)
        case 4: self = .heldBack(.breaker)
        default: return nil
        }
    }
}
