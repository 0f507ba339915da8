import NIOCore

/// One caller waiting for its push; answered exactly once (stored, refused, or timed out).
struct PendingPush: Sendable {
    let body: ByteBuffer
    /// The field and value of the body's receipt in `anima:received`, if any.
    let receipt: (digest: String, value: String)?
    let deadline: ContinuousClock.Instant
    let outcome = Answer<PushOutcome>()

    var isResolved: Bool { outcome.isGiven }

    func resolve(_ outcome: PushOutcome) {
        self.outcome.give(outcome)
    }
}
