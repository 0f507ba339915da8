import NIOCore

/// One caller waiting for its push; answered exactly once (stored, refused, or timed out).
struct PendingPush: Sendable {
    let body: ByteBuffer
    /// The field and value of the body's receipt in `anima:received`, if any.
    let receipt: (digest: String, value: String)?
    let deadline: ContinuousClock.Instant
    let outcome = Answer<PushOutcome>()
    /// Told the outcome once it is given, for callers that do not wait for it.
    let onAnswer: (@Sendable (PushOutcome) -> Void)?

    var isResolved: Bool { outcome.isGiven }

    func resolve(_ outcome: PushOutcome) {
        if self.outcome.give(outcome) { onAnswer?(outcome) }
    }
}
