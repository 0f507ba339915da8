import AnimaQueue
import Foundation
import Testing

/// The `WHEN` forms of `--since` / `--until`: ISO 8601 times and durations back from now.
@Suite("TimeBound")
struct TimeBoundTests {
    static let now = Date(timeIntervalSince1970: 1_796_119_200)  // 2026-12-01T10:00:00Z

    @Test(arguments: [
        ("2026-12-01T10:00:00Z", 1_796_119_200.0),
        ("2026-12-01T10:00:00.5Z", 1_796_119_200.5),
        ("2026-12-01T10:00:00.000000001Z", 1_796_119_200.000000001),
        ("2026-12-01T12:30:00+02:30", 1_796_119_200.0),
        ("2026-12-01T07:00:00-03:00", 1_796_119_200.0),
        ("2028-02-29T00:00:00Z", 1_835_395_200.0),
        ("1969-07-20T20:17:40Z", -14_182_940.0),
    ])
    func isoTimesNameThatInstant(_ text: String, _ seconds: Double) throws {
        let bound = try TimeBound(parsing: text)
        #expect(bound == .at(Date(timeIntervalSince1970: seconds)), "\(text): expected \(seconds), saw \(bound)")
    }

    @Test(arguments: [("90s", 90), ("15m", 900), ("2h", 7200), ("7d", 604_800), ("0s", 0), (" 2h ", 7200)])
    func durationsCountBackFromNow(_ text: String, _ seconds: Int) throws {
        let date = try TimeBound(parsing: text).date(now: Self.now)
        let expected = Self.now.addingTimeInterval(-Double(seconds))
        #expect(date == expected, "\(text): expected \(expected), saw \(date)")
    }

    @Test func anInstantIgnoresNow() throws {
        let date = try TimeBound(parsing: "2026-12-01T10:00:00Z").date(now: Date(timeIntervalSince1970: 0))
        #expect(date == Self.now, "expected \(Self.now), saw \(date)")
    }

    @Test(arguments: [
        "", "yesterday", "5w", "-5m", "1.5h", "2h30m", "h", "2H", "now", "2026-12-01", "2026-12-01 10:00:00Z",
        "2026-12-01T10:00:00", "2026-12-01T10:00Z", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T10:60:00Z", "2026-12-01T10:00:60Z",
        "2026-12-01T10:00:00.Z", "2026-12-01T10:00:00.1234567891Z", "2026-12-01T10:00:00+0200",
        "2026-12-01T10:00:00Z junk", "１２h",
    ])
    func badFormsAreRejectedQuotingTheValueAndTheAcceptedForms(_ text: String) {
        #expect {
            try TimeBound(parsing: text)
        } throws: { error in
            guard let error = error as? TimeBoundError else { return false }
            let message = error.description
            return error.code == .malformed && message.contains("'\(text)'") && message.contains("2026-12-01T10:00:00Z")
                && message.contains("90s") && message.contains("7d")
        }
    }

    @Test func aDurationBeyondAHundredYearsIsOutOfRange() {
        let text = "99999999999999d"
        #expect {
            try TimeBound(parsing: text)
        } throws: { error in
            (error as? TimeBoundError)?.code == .outOfRange && "\(error)".contains("'\(text)'")
        }
    }

    @Test func failedAtAsTheWorkerWritesItParsesBackToTheSameSecond() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let seconds = Double(Int64.random(in: -2_000_000_000...4_000_000_000, using: &generator))
            let date = Date(timeIntervalSince1970: seconds)
            let text = date.formatted(.iso8601)
            #expect(
                ISO8601Time.date(from: text) == date,
                "\(text): expected \(seconds), saw \(String(describing: ISO8601Time.date(from: text)?.timeIntervalSince1970))")
        }
    }
}
