import Foundation

/// Breaker settings from the text an operator typed (`anima-admin breaker`, the dashboard's
/// form); what is not given (nil or empty) keeps the contract's default.
extension BreakerSettings {
    /// `failureRate` 0 < R ≤ 1, `minAttempts` N ≥ 1, `window` and `cooldown` durations above
    /// zero (`90s`, `15m`, `2h`, as `events list --since` takes them).
    public init(failureRate: String?, minAttempts: String?, window: String?, cooldown: String?) throws(FlowSettingError) {
        var settings = BreakerSettings()
        if let text = Self.given(failureRate) {
            let expected = "a share above 0 and at most 1 (0.5 for half)"
            guard let rate = Double(text.trimmingCharacters(in: .whitespaces)), rate.isFinite else {
                throw FlowSettingError(.malformed, setting: "failure-rate", expected: expected, value: text)
            }
            guard rate > 0, rate <= 1 else { throw FlowSettingError(.outOfRange, setting: "failure-rate", expected: expected, value: text) }
            settings.failureRate = rate
        }
        if let text = Self.given(minAttempts) {
            let expected = "a whole number ≥ 1"
            guard let count = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw FlowSettingError(.malformed, setting: "min-attempts", expected: expected, value: text)
            }
            guard count >= 1 else { throw FlowSettingError(.outOfRange, setting: "min-attempts", expected: expected, value: text) }
            settings.minAttempts = count
        }
        if let text = Self.given(window) { settings.window = try Self.duration(text, setting: "window") }
        if let text = Self.given(cooldown) { settings.cooldown = try Self.duration(text, setting: "cooldown") }
        self = settings
    }

    private static func given(_ text: String?) -> String? {
        text.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `90s`, `15m`, `2h`, `1d`: above zero.
    private static func duration(_ text: String, setting: String) throws(FlowSettingError) -> Duration {
        let expected = "a duration above zero (90s, 15m, 2h)"
        guard case .ago(let duration)? = try? TimeBound(parsing: text) else {
            throw FlowSettingError(.malformed, setting: setting, expected: expected, value: text)
        }
        guard duration > .zero else { throw FlowSettingError(.outOfRange, setting: setting, expected: expected, value: text) }
        return duration
    }

    /// `opens at 50% failures of at least 20 attempts within 60s; cooldown 30s`.
    public var summary: String {
        let percent = String(format: "%g", failureRate * 100)
        return
            "opens at \(percent)% failures of at least \(minAttempts) attempts within \(Self.text(window)); cooldown \(Self.text(cooldown))"
    }

    /// `60s`, `90s`, `15m`, `2h`, `1.5s`: the settings' form (minutes from 2 on).
    public static func text(_ duration: Duration) -> String {
        let milliseconds = Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
        if milliseconds % 1000 != 0 { return "\(Double(milliseconds) / 1000)s" }
        let seconds = milliseconds / 1000
        if seconds > 0, seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds > 60, seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
