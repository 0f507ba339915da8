import NIOConcurrencyHelpers
import NIOCore

/// One caller waiting for its push; answered exactly once (stored, refused, or timed out).
/// (Checked continuations: besides the check, their hand-off is visible to ThreadSanitizer,
/// which the runtime's unchecked ones are not with this toolchain.)
final class PendingPush: Sendable {
    let body: ByteBuffer
    let deadline: ContinuousClock.Instant
    private let state = NIOLockedValueBox(Slot())

    private struct Slot {
        var continuation: CheckedContinuation<PushOutcome, Never>?
        var resolved = false
    }

    init(body: ByteBuffer, deadline: ContinuousClock.Instant) {
        self.body = body
        self.deadline = deadline
    }

    var isResolved: Bool { state.withLockedValue { $0.resolved } }

    func install(_ continuation: CheckedContinuation<PushOutcome, Never>) {
        state.withLockedValue { $0.continuation = continuation }
    }

    func resolve(_ outcome: PushOutcome) {
        let continuation = state.withLockedValue { slot -> CheckedContinuation<PushOutcome, Never>? in
            if slot.resolved { return nil }
            slot.resolved = true
            defer { slot.continuation = nil }
            return slot.continuation
        }
        continuation?.resume(returning: outcome)
    }
}
