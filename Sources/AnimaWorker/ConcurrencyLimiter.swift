import NIOConcurrencyHelpers

/// Counts free handler slots. The fetch loop waits for a free slot before it takes events,
/// and takes no more than there are free slots, so a busy worker leaves events to idle ones.
final class ConcurrencyLimiter: Sendable {
    private struct State {
        var free: Int
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
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
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.free += 1
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
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
