import NIOConcurrencyHelpers

/// Counts free handler slots. The fetch loop waits for a free slot before it takes events,
/// and takes no more than there are free slots, so a busy worker leaves events to idle ones.
///
/// Events judged at once (builtin handlers, duplicates) take no slot: they wait for their
/// settlement as *settling* (``beginSettling(_:)``), so the next take overlaps the last
/// settlement instead of waiting for it. At most ``maxSettling`` may be settling; the worker is
/// idle only when no slot is taken and nothing is settling.
final class ConcurrencyLimiter: Sendable {
    private struct State {
        var free: Int
        /// Events handed off by their slot, their settlement not yet answered.
        var settling = 0
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

    /// The most events taken at once while they need no slot.
    static let quickBatch = 64

    /// The most events that may be settling at once.
    var maxSettling: Int { 4 * max(capacity, Self.quickBatch) }

    /// Slots taken by running handlers, plus events settling.
    var inUse: Int { state.withLockedValue { capacity - $0.free + $0.settling } }

    /// Waits until at least one slot is free (and fewer than ``maxSettling`` events are
    /// settling); returns how many are (0 once closed).
    func waitForFree() async -> Int {
        while true {
            let (free, closed) = state.withLockedValue { ($0.settling < maxSettling ? $0.free : 0, $0.closed) }
            if closed { return 0 }
            if free > 0 { return free }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if (state.free > 0 && state.settling < maxSettling) || state.closed { return true }
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

    /// A handler finished and its event is settled: its slot is free.
    func release() {
        update { $0.free += 1 }
    }

    /// `count` events were judged without a handler task: they count as settling until
    /// ``settled(_:)``.
    func beginSettling(_ count: Int) {
        update { $0.settling += count }
    }

    /// `count` handed-off events are settled (or given up).
    func settled(_ count: Int) {
        update { $0.settling -= count }
    }

    /// Applies `change`, then wakes the fetch loop and, when nothing is in use any more, the
    /// waiters for idleness.
    private func update(_ change: (inout State) -> Void) {
        let (waiter, idle) = state.withLockedValue { state -> (CheckedContinuation<Void, Never>?, [StopSignal]) in
            change(&state)
            let isIdle = state.free == capacity && state.settling == 0
            defer {
                state.waiter = nil
                if isIdle { state.idle = [] }
            }
            return (state.waiter, isIdle ? state.idle : [])
        }
        waiter?.resume()
        for signal in idle { signal.fire() }
    }

    /// Waits until every slot is free or `deadline` passes, whichever comes first (a task group
    /// races the two); true when every slot is free.
    func waitUntilIdle(before deadline: ContinuousClock.Instant) async -> Bool {
        let idle = StopSignal()
        let now = state.withLockedValue { state -> Bool in
            if state.free == capacity && state.settling == 0 { return true }
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
