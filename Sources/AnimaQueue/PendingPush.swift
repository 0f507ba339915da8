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
    /// Where `onAnswer` runs, if it must run on an event loop.
    let loop: (any EventLoop)?

    var isResolved: Bool { outcome.isGiven }

    func resolve(_ outcome: PushOutcome) {
        if let loop, !loop.inEventLoop {
            loop.execute { give(outcome) }
        } else {
            give(outcome)
        }
    }

    private func give(_ outcome: PushOutcome) {
        if self.outcome.give(outcome) { onAnswer?(outcome) }
    }

    /// Resolves a batch with one hop per event loop, not one per caller.
    static func resolve(_ items: [PendingPush], with outcomes: [PushOutcome]) {
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, answers: [(PendingPush, PushOutcome)])] = [:]
        for (item, outcome) in zip(items, outcomes) {
            guard let loop = item.loop else {
                item.give(outcome)
                continue
            }
            byLoop[ObjectIdentifier(loop), default: (loop, [])].answers.append((item, outcome))
        }
        for (loop, answers) in byLoop.values {
            loop.execute {
                for (item, outcome) in answers { item.give(outcome) }
            }
        }
    }
}
