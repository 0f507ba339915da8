public import AnimaRedis

/// The answer to "may I run the handler for this event id?".
public enum ClaimResult: Sendable, Equatable {
    /// The lease is ours: run the handler.
    case claimed
    /// A done mark exists: the event was handled already; acknowledge the duplicate.
    case alreadyDone
    /// Another worker holds the lease right now: defer this copy.
    case heldElsewhere

    /// The claim script's reply (`1`, `0`, `2`); nil for anything else: no claim was made.
    public init?(reply: RedisValue) {
        switch reply.int {
        case 1: self = .claimed
        case 0: self = .alreadyDone
        case 2: self = .heldElsewhere
        default: return nil
        }
    }
}
