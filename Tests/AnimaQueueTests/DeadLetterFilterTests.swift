import AnimaQueue
import Foundation
import Testing

/// Which dead letters a ``DeadLetterFilter`` takes; no Redis needed.
@Suite("DeadLetterFilter")
struct DeadLetterFilterTests {
    static func letter(type: String? = "a.created", error: String = "exit 7", failedAt: String = "2026-01-02T00:00:00Z") -> DeadLetter {
        var letter = DeadLetter(id: "evt_1", type: type, body: Data("{}".utf8), error: error, attempts: 3, worker: nil)
        letter.failedAt = failedAt
        return letter
    }

    static func date(_ text: String) -> Date { ISO8601Time.date(from: text)! }

    @Test func sinceIsInclusiveAndUntilExclusive() {
        let filter = DeadLetterFilter(since: Self.date("2026-01-02T00:00:00Z"), until: Self.date("2026-01-03T00:00:00Z"))
        let cases = [
            ("2026-01-01T23:59:59.999Z", false), ("2026-01-02T00:00:00Z", true), ("2026-01-02T23:59:59Z", true),
            ("2026-01-03T00:00:00Z", false),
        ]
        for (failedAt, expected) in cases {
            let seen = filter.matches(Self.letter(failedAt: failedAt))
            #expect(seen == expected, "failed_at \(failedAt): expected \(expected), saw \(seen)")
        }
    }

    @Test func errorContainsIgnoresCase() {
        let filter = DeadLetterFilter(errorContains: "crm")
        #expect(filter.matches(Self.letter(error: "HTTP 503 from CRM")), "expected 'crm' to match 'HTTP 503 from CRM'")
        #expect(!filter.matches(Self.letter(error: "exit 7")), "expected 'crm' not to match 'exit 7'")
    }

    @Test func typeMatchesExactlyAndAnEntryWithoutTypeNever() {
        let filter = DeadLetterFilter(type: "a.created")
        #expect(filter.matches(Self.letter(type: "a.created")), "expected a.created to match")
        #expect(!filter.matches(Self.letter(type: "a.created.v2")), "expected a.created.v2 not to match")
        #expect(!filter.matches(Self.letter(type: nil)), "expected an entry without type not to match")
    }

    @Test func anUnreadableFailedAtNeverMatchesATimeFilter() {
        let filter = DeadLetterFilter(since: Date(timeIntervalSince1970: 0))
        #expect(!filter.matches(Self.letter(failedAt: "yesterday")), "expected failed_at 'yesterday' not to match --since")
        #expect(DeadLetterFilter(type: "a.created").matches(Self.letter(failedAt: "yesterday")), "without a time filter it should match")
    }

    @Test func conditionsCombine() {
        let filter = DeadLetterFilter(type: "a.created", errorContains: "crm", since: Self.date("2026-01-01T00:00:00Z"))
        #expect(filter.matches(Self.letter(error: "crm down")), "expected all three conditions to hold")
        #expect(!filter.matches(Self.letter(type: "b.created", error: "crm down")), "expected the type to be required")
        #expect(!filter.matches(Self.letter(error: "crm down", failedAt: "2025-12-31T00:00:00Z")), "expected --since to be required")
    }

    @Test func noConditionMatchesEveryLetterButNotOtherText() {
        #expect(DeadLetterFilter().isEmpty, "expected a filter without conditions to say it is empty")
        #expect(DeadLetterFilter().matches(Self.letter(type: nil)), "expected any dead letter to match")
        #expect(!DeadLetterFilter().matches(nil), "expected an entry that is not a dead-letter object not to match")
    }
}
