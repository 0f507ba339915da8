import Foundation
import Testing

@testable import AnimaHandlers

/// The forwarding handler's reading of `Retry-After` (RFC 9110 10.2.3): delay seconds or an
/// HTTP date; anything else is no `Retry-After` at all.
@Suite("Forwarding handler: Retry-After")
struct RetryAfterTests {
    static let now = Date(timeIntervalSince1970: 1_764_000_000)  // 2025-11-24T16:00:00Z

    @Test(arguments: [("120", 120), ("0", 0), (" 7 ", 7), ("86400", 86_400)])
    func delaySecondsAreTheDelay(value: String, seconds: Int64) {
        let delay = HTTPForwardHandler.retryAfter(value, now: Self.now)
        #expect(delay == .seconds(seconds), "Retry-After '\(value)': saw \(delay.map(String.init(describing:)) ?? "nil")")
    }

    @Test func anHTTPDateIsTheTimeUntilIt() {
        let value = "Mon, 24 Nov 2025 16:01:30 GMT"  // 90 s after now
        let delay = HTTPForwardHandler.retryAfter(value, now: Self.now)
        #expect(delay == .seconds(90), "Retry-After '\(value)': saw \(delay.map(String.init(describing:)) ?? "nil")")
    }

    @Test func anHTTPDateInThePastIsNoDelay() {
        let delay = HTTPForwardHandler.retryAfter("Mon, 24 Nov 2025 15:00:00 GMT", now: Self.now)
        #expect(delay == .zero, "a date an hour ago: saw \(delay.map(String.init(describing:)) ?? "nil")")
    }

    @Test(arguments: ["", "soon", "-1", "1.5", "2e3", "0x10", "2025-11-24T16:01:30Z", "24 Nov 2025 16:01:30 GMT"])
    func anythingElseIsNoRetryAfter(value: String) {
        let delay = HTTPForwardHandler.retryAfter(value, now: Self.now)
        #expect(delay == nil, "Retry-After '\(value)': expected none, saw \(delay.map(String.init(describing:)) ?? "nil")")
    }
}
