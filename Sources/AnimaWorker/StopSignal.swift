import NIOConcurrencyHelpers

/// A one-way switch that tasks can check or wait for.
final class StopSignal: Sendable {
    private struct State {
        var fired: ContinuousClock.Instant?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = NIOLockedValueBox(State())

    var isFired: Bool { state.withLockedValue { $0.fired != nil } }
    /// When it was fired.
    var firedAt: ContinuousClock.Instant? { state.withLockedValue { $0.fired } }

    func fire() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            if state.fired != nil { return [] }
            state.fired = .now
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Sleeps for `duration`, or less if the signal fires first.
    func sleep(for duration: Duration) async {
        if isFired { return }
        try? await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Task.sleep(for: duration) }
            group.addTask { await self.wait() }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    private func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLockedValue { state -> Bool in
                    if state.fired != nil || Task.isCancelled { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            // Wake every waiter; they re-check nothing and just return. Cheap and rare.
            let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }
}
