import NIOConcurrencyHelpers

/// One attempt's answer, given exactly once.
final class Attempt: Sendable {
    private struct State {
        var outcome: HandlerOutcome?
        var waiter: CheckedContinuation<HandlerOutcome, Never>?
        var task: Task<Void, Never>?
    }
    private let state = NIOLockedValueBox(State())

    func attach(_ task: Task<Void, Never>) {
        let cancelNow = state.withLockedValue { state -> Bool in
            state.task = task
            if case .interrupted = state.outcome { return true }
            return false
        }
        if cancelNow { task.cancel() }
    }

    /// Records the outcome if none is recorded yet; true when this call decided it.
    @discardableResult
    func finish(_ outcome: HandlerOutcome) -> Bool {
        let (decided, waiter) = state.withLockedValue { state -> (Bool, CheckedContinuation<HandlerOutcome, Never>?) in
            if state.outcome != nil { return (false, nil) }
            state.outcome = outcome
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume(returning: outcome)
        return decided
    }

    func interrupt() -> Bool {
        guard finish(.interrupted) else { return false }
        state.withLockedValue { $0.task }?.cancel()
        return true
    }

    func outcome() async -> HandlerOutcome {
        let outcome = await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> HandlerOutcome? in
                if let outcome = state.outcome { return outcome }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
        // The same value, read again under the lock: a continuation resumed before it is awaited
        // hands the outcome over without telling ThreadSanitizer (see `RedisClient.handOff`).
        return state.withLockedValue { $0.outcome } ?? outcome
    }
}
