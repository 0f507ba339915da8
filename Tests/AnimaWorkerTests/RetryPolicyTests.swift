import AnimaWorker
import Testing

/// `RetryPolicy`: `base × 2^(attempt−1)`, capped at `max`, stretched by 0–25 % and never
/// shortened, capped again; a `Retry-After` floor wins when it is longer, up to `max`.
@Suite("Worker runtime: retry policy")
struct RetryPolicyTests {
    static let policy = RetryPolicy(base: .seconds(10), max: .seconds(21_600))
    /// Enough draws that a jitter outside its band, or none at all, would show.
    static let draws = 200

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    @Test(arguments: [(1, 10_000), (2, 20_000), (3, 40_000), (6, 320_000), (11, 10_240_000)])
    func delayDoublesPerAttemptAndIsStretchedByAtMostAQuarter(attempt: Int, nominal: Int64) {
        let delays = (0..<Self.draws).map { _ in Self.milliseconds(Self.policy.delay(afterAttempt: attempt)) }
        let band = nominal...(nominal + nominal / 4)
        #expect(
            delays.allSatisfy { band.contains($0) },
            "attempt \(attempt): expected delays in \(band) ms, saw \(delays.min()!)…\(delays.max()!)"
        )
        #expect(Set(delays).count > 1, "attempt \(attempt): \(Self.draws) delays were all \(delays[0]) ms: no jitter")
    }

    @Test(arguments: [13, 14, 40, 41, 1_000, Int.max])
    func delayNeverExceedsTheMaximum(attempt: Int) {
        let delays = (0..<Self.draws).map { _ in Self.policy.delay(afterAttempt: attempt) }
        #expect(delays.allSatisfy { $0 == .seconds(21_600) }, "attempt \(attempt): expected exactly the 6 h maximum, saw \(Set(delays))")
    }

    @Test(arguments: [0, -1, -1_000])
    func anAttemptBelowOneCountsAsTheFirst(attempt: Int) {
        let delay = Self.milliseconds(Self.policy.delay(afterAttempt: attempt))
        #expect((10_000...12_500).contains(delay), "attempt \(attempt): expected the first delay, saw \(delay) ms")
    }

    @Test func aSmallBaseIsRoundedUpToTheMillisecond() {
        let policy = RetryPolicy(base: .microseconds(100), max: .seconds(1))
        let delays = Set((0..<Self.draws).map { _ in policy.delay(afterAttempt: 1) })
        #expect(delays == [.milliseconds(1)], "a 0.1 ms base: expected 1 ms, saw \(delays)")
    }

    @Test func aLongerRetryAfterIsTheDelay() {
        let delay = Self.policy.delay(afterAttempt: 1, atLeast: .seconds(60))
        #expect(delay == .seconds(60), "Retry-After 60 s after the first attempt: saw \(delay)")
    }

    @Test func aRetryAfterBeyondTheMaximumIsCappedAtIt() {
        let policy = RetryPolicy(base: .milliseconds(100), max: .seconds(1))
        let delay = policy.delay(afterAttempt: 1, atLeast: .seconds(30))
        #expect(delay == .seconds(1), "Retry-After 30 s with a 1 s maximum: saw \(delay)")
    }

    @Test(arguments: [Duration.zero, .seconds(5), .seconds(10)])
    func aShorterRetryAfterLeavesTheBackoff(floor: Duration) {
        let delays = (0..<Self.draws).map { _ in Self.milliseconds(Self.policy.delay(afterAttempt: 1, atLeast: floor)) }
        let band: ClosedRange<Int64> = 10_000...12_500
        #expect(
            delays.allSatisfy { band.contains($0) },
            "Retry-After \(floor): expected the backoff, saw \(delays.min()!)…\(delays.max()!)"
        )
    }
}
