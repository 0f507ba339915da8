public import AnimaRedis

/// A change of a breaker's state that an attempt's settle caused (``FlowScripts/settle``).
public struct BreakerTransition: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The failure share of the last window reached the breaker's rate.
        case opened
        /// The probe failed: open again, for twice the previous cooldown.
        case reopened
        /// The probe succeeded.
        case closed
    }

    public let kind: Kind
    /// Failed attempts and attempts counted in the last window (the probe's, for a probe).
    public let failed: Int
    public let attempts: Int
    /// How long the breaker stays open now (zero when it closed).
    public let cooldown: Duration

    /// Nil for a release that changed nothing (or an error reply).
    init?(reply: RedisValue) {
        guard let parts = reply.array, parts.count == 4, let kind = parts[0].string.flatMap(Kind.init(rawValue:)) else { return nil }
        self.kind = kind
        self.failed = parts[1].int ?? 0
        self.attempts = parts[2].int ?? 0
        self.cooldown = .milliseconds(parts[3].int ?? 0)
    }
}
