import NIOConcurrencyHelpers
import NIOCore

/// One caller waiting for its push; answered exactly once (stored, refused, or timed out).
final class PendingPush: Sendable {
    let body: ByteBuffer
    /// The field and value of the body's receipt in `anima:received`, if any.
    let receipt: (digest: String, value: String)?
    let deadline: ContinuousClock.Instant
    private let state = NIOLockedValueBox(Slot())

    private struct Slot {
        var continuation: CheckedContinuation<PushOutcome, Never>?
        var outcome: PushOutcome?
    }

    init(body: ByteBuffer, receipt: (digest: String, value: String)?, deadline: ContinuousClock.Instant) {
        self.body = body
        self.receipt = receipt
        self.deadline = deadline
    }

    var isResolved: Bool { state.withLockedValue { $0.outcome != nil } }

    /// The outcome, read under the lock. The caller reads it again after its continuation
    /// resumes: a continuation resumed before it is awaited hands its value over without telling
    /// ThreadSanitizer (see `RedisClient.handOff`); the lock makes the hand-off visible.
    var outcome: PushOutcome? { state.withLockedValue { $0.outcome } }

    func install(_ continuation: CheckedContinuation<PushOutcome, Never>) {
        state.withLockedValue { $0.continuation = continuation }
    }

    func resolve(_ outcome: PushOutcome) {
        let continuation = state.withLockedValue { slot -> CheckedContinuation<PushOutcome, Never>? in
            if slot.outcome != nil { return nil }
            slot.outcome = outcome
            defer { slot.continuation = nil }
            return slot.continuation
        }
        continuation?.resume(returning: outcome)
    }
}
