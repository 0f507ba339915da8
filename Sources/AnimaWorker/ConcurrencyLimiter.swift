import NIOConcurrencyHelpers

/// Counts free handler slots. The fetch loop waits for a free slot before it takes events,
/// and takes no more than there are free slots, so a busy worker leaves events to idle ones.
final class ConcurrencyLimiter: Sendable {
    private struct State {
        var free: Int
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
        /// Fired when every slot is free again.
        var idle: [StopSignal] = []
    }

    private let state: NIOLockedValueBox<State>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        self.state = NIOLockedValueBox(State(free: capacity))
    }

    var inUse: Int { capacity - state.withLockedValue { $0.free } }

    /// Waits until at least one slot is free; returns how many are (0 once closed).
    func waitForFree() async -> Int {
        while true {
            let (free, closed) = state.withLockedValue { ($0.free, $0.closed) }
            if closed { return 0 }
            if free > 0 { return free }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if state.free > 0 || state.closed { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    func acquire(_ count: Int) {
        state.withLockedValue { $0.free -= count }
    }

    func release() {
        let (waiter, idle) = state.withLockedValue { state -> (CheckedContinuation<Void, Never>?, [StopSignal]) in
            state.free += 1
            defer {
                state.waiter = nil
                if state.free == capacity { state.idle = [] }
            }
            return (state.waiter, state.free == capacity ? state.idle : [])
        }
        waiter?.resume()
        for signal in idle { signal.fire() }
    }

    /// Waits until every slot is free or `deadline` passes, whichever comes first (a task group
    /// races the two); true when every slot is free.
    func waitUntilIdle(before deadline: ContinuousClock.Instant) async -> Bool {
        let idle = StopSignal()
        let now = state.withLockedValue { state -> Bool in
            if state.free == capacity { return true }
            state.idle.append(idle)
            return false
        }
        if now { return true }
        await idle.sleep(for: deadline - .now)
        return idle.isFired
    }

    /// Wakes the fetch loop for good: shutdown.
    func close() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
