/// The answer to "may I run the handler for this event id?".
public enum ClaimResult: Sendable, Equatable {
    /// The lease is ours: run the handler.
    case claimed
    /// A done mark exists: the event was handled already; acknowledge the duplicate.
    case alreadyDone
    /// Another worker holds the lease right now: defer this copy.
    case heldElsewhere
}
