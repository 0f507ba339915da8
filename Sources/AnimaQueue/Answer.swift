import NIOConcurrencyHelpers

/// A value given exactly once, by whichever of several parties comes first (the work finishing,
/// a timeout, a shutdown), to one waiter that may start waiting before or after it is given.
///
/// The waiter reads the value again under the lock after its continuation resumes: a
/// continuation resumed before it is awaited hands its value over through an atomic in the Swift
/// runtime's own uninstrumented code, which tells ThreadSanitizer nothing (swiftlang/swift#57803,
/// see also `RedisClient.handOff`); the lock makes the existing ordering visible to it.
package final class Answer<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiter: CheckedContinuation<Value, Never>?
    }
    private let state = NIOLockedValueBox(State())

    package init() {}

    /// The value, if given yet.
    package var value: Value? { state.withLockedValue { $0.value } }
    package var isGiven: Bool { value != nil }

    /// Gives `value` unless a value was given already; true when this call gave it.
    @discardableResult
    package func give(_ value: Value) -> Bool {
        let (given, waiter) = state.withLockedValue { state -> (Bool, CheckedContinuation<Value, Never>?) in
            if state.value != nil { return (false, nil) }
            state.value = value
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume(returning: value)
        return given
    }

    /// Waits for the value (one waiter at most).
    package func wait() async -> Value {
        let value = await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> Value? in
                if let value = state.value { return value }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
        return self.value ?? value
    }
}
