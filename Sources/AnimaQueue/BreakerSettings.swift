import Foundation

/// `anima-admin breaker TYPE`: when, within the last `window`, at least `minAttempts` attempts
/// of the type ended and a share `failureRate` or more of them failed, the breaker opens; after
/// `cooldown` one event probes. Kept in Redis as JSON in `anima:breakers`.
public struct BreakerSettings: Sendable, Equatable, Codable {
    public var failureRate: Double
    public var minAttempts: Int
    public var window: Duration
    public var cooldown: Duration

    /// The contract's defaults: 0.5, 20, 60 s, 30 s.
    public init(failureRate: Double = 0.5, minAttempts: Int = 20, window: Duration = .seconds(60), cooldown: Duration = .seconds(30)) {
        self.failureRate = failureRate
        self.minAttempts = minAttempts
        self.window = window
        self.cooldown = cooldown
    }

    /// The longest a breaker stays open after failed probes.
    public static let maxCooldown = Duration.seconds(3600)

    private enum CodingKeys: String, CodingKey {
        case failureRate = "failure_rate"
        case minAttempts = "min_attempts"
        case window = "window_ms"
        case cooldown = "cooldown_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        failureRate = try container.decode(Double.self, forKey: .failureRate)
        minAttempts = try container.decode(Int.self, forKey: .minAttempts)
        window = .milliseconds(try container.decode(Int.self, forKey: .window))
        cooldown = .milliseconds(try container.decode(Int.self, forKey: .cooldown))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(failureRate, forKey: .failureRate)
        try container.encode(minAttempts, forKey: .minAttempts)
        try container.encode(window.milliseconds, forKey: .window)
        try container.encode(cooldown.milliseconds, forKey: .cooldown)
    }
}
