import AnimaRedis

/// Exponential backoff with jitter: `base × 2^(attempt−1)`, capped at `max`, then stretched by
/// a random 0–25 % (never shortened, so a retry never comes before its nominal delay), and
/// capped again.
public struct RetryPolicy: Sendable {
    public var base: Duration
    public var max: Duration

    public init(base: Duration, max: Duration) {
        self.base = base
        self.max = max
    }

    /// The delay after failed attempt number `attempt` (1 for the first); at least `floor`
    /// (a `Retry-After`) when that is longer, but never beyond `max`.
    public func delay(afterAttempt attempt: Int, atLeast floor: Duration? = nil) -> Duration {
        let backoff = delay(afterAttempt: attempt)
        guard let floor, floor > backoff else { return backoff }
        return Swift.min(floor, max)
    }

    /// The delay after failed attempt number `attempt` (1 for the first).
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = Swift.min(Swift.max(attempt - 1, 0), 40)
        let nominal = Swift.min(base.seconds * Double(1 << exponent), max.seconds)
        let jittered = Swift.min(nominal * Double.random(in: 1.0...1.25), max.seconds)
        return .milliseconds(Int64((jittered * 1000).rounded(.up)))
    }
}
