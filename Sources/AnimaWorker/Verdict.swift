import AnimaQueue

/// How handling one event ended. Every path through the worker (the quick path of batched
/// duplicates and builtin handlers, the slow path of handler tasks, shutdown) ends in one of
/// these, and ``Worker``'s `settle` alone turns it into its Redis step, its metric and its log
/// line.
enum Verdict: Sendable {
    /// The handler succeeded: write the done mark, acknowledge.
    case complete
    /// No handler for the type: acknowledged with a done mark all the same.
    case unhandled
    /// A done mark was there: acknowledge the duplicate without running anything.
    case acknowledgeDuplicate
    /// The same id is running elsewhere: try this copy again after the delay, not counted as
    /// an attempt.
    case `defer`(after: Duration)
    /// The attempt failed: try again after the delay, the attempt counted.
    case retry(after: Duration, reason: String)
    /// Give up: the dead letter to store.
    case deadLetter(DeadLetter)
    /// Shutdown interrupted the handler: back to the front of the queue, not counted.
    case putBack
    /// Taken while stopping and never tried: back to the front of the queue, not counted.
    case returnUntried
    /// Its type is paused: parked until `resume`, not counted.
    case park(type: String)
    /// Its type's limit or breaker held it back: the claim script moved it to the type's held
    /// list already; not counted.
    case holdBack(FlowHold)
}
