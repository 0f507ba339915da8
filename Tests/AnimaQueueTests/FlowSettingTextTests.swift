import AnimaQueue
import Testing

/// Limits and breaker settings from the text an operator types (`anima-admin limit` /
/// `breaker`, the dashboard's forms): what is accepted, and what is refused with which code.
@Suite("Flow settings from text")
struct FlowSettingTextTests {
    /// The code `body` is refused with; nil when it is accepted.
    static func refusal(_ body: () throws(FlowSettingError) -> Void) -> FlowSettingError.Code? {
        do {
            try body()
            return nil
        } catch {
            return error.code
        }
    }

    @Test(arguments: [
        ("4", "", "concurrency 4"), ("", "50/s", "rate 50/s"), (" 2 ", "600/min", "concurrency 2, rate 600/m"),
        ("1000000", "1/m", "concurrency 1000000, rate 1/m"),
    ])
    func aLimitTakesAConcurrencyARateOrBoth(_ concurrency: String, _ rate: String, _ summary: String) throws {
        let limit = try FlowLimit(concurrency: concurrency, rate: rate)
        #expect(limit.summary == summary, "expected \(summary), saw \(limit.summary)")
    }

    @Test(
        arguments: [
            ("0", nil, .outOfRange), ("1000001", nil, .outOfRange), ("-1", nil, .outOfRange), ("two", nil, .malformed),
            ("1.5", nil, .malformed), (nil, "fifty", .malformed), (nil, "0/s", .malformed), (nil, "5/h", .malformed),
            (nil, "5", .malformed),
            (nil, nil, .empty), ("", "", .empty),
        ] as [(String?, String?, FlowSettingError.Code)]
    )
    func aBadLimitIsRefusedWithItsCode(_ concurrency: String?, _ rate: String?, _ code: FlowSettingError.Code) {
        let seen = Self.refusal { () throws(FlowSettingError) in _ = try FlowLimit(concurrency: concurrency, rate: rate) }
        #expect(
            seen == code,
            "expected \(code) for \(concurrency ?? "nil"), \(rate ?? "nil"); saw \(seen.map(\.description) ?? "accepted")"
        )
    }

    @Test func aBreakerWithNothingGivenHasTheContractsDefaults() throws {
        let settings = try BreakerSettings(failureRate: nil, minAttempts: "", window: nil, cooldown: "")
        #expect(settings == BreakerSettings(), "expected the defaults, saw \(settings)")
        #expect(settings.summary == "opens at 50% failures of at least 20 attempts within 60s; cooldown 30s", "saw \(settings.summary)")
    }

    @Test func aBreakerTakesEachGivenSetting() throws {
        let settings = try BreakerSettings(failureRate: "1", minAttempts: "3", window: "15m", cooldown: "2h")
        let expected = BreakerSettings(failureRate: 1, minAttempts: 3, window: .seconds(900), cooldown: .seconds(7200))
        #expect(settings == expected, "expected \(expected), saw \(settings)")
    }

    @Test(
        arguments: [
            ("0", nil, nil, nil, .outOfRange), ("1.01", nil, nil, nil, .outOfRange), ("nan", nil, nil, nil, .malformed),
            ("half", nil, nil, nil, .malformed), (nil, "0", nil, nil, .outOfRange), (nil, "x", nil, nil, .malformed),
            (nil, nil, "0s", nil, .outOfRange), (nil, nil, "2026-12-01T10:00:00Z", nil, .malformed), (nil, nil, nil, "soon", .malformed),
        ] as [(String?, String?, String?, String?, FlowSettingError.Code)]
    )
    func aBadBreakerSettingIsRefusedWithItsCode(
        _ rate: String?,
        _ attempts: String?,
        _ window: String?,
        _ cooldown: String?,
        _ code: FlowSettingError.Code
    ) {
        let seen = Self.refusal { () throws(FlowSettingError) in
            _ = try BreakerSettings(failureRate: rate, minAttempts: attempts, window: window, cooldown: cooldown)
        }
        #expect(seen == code, "expected \(code), saw \(seen.map(\.description) ?? "accepted")")
    }

    @Test(arguments: [(60, "60s"), (90, "90s"), (120, "2m"), (900, "15m"), (3600, "1h"), (5400, "90m")])
    func aDurationIsWrittenInTheFormItIsGiven(_ seconds: Int, _ text: String) {
        #expect(BreakerSettings.text(.seconds(seconds)) == text, "expected \(text), saw \(BreakerSettings.text(.seconds(seconds)))")
    }
}
