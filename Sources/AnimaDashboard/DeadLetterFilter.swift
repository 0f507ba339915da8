public import AnimaQueue
public import Foundation

/// Which dead letters a page, a bulk replay or a purge is about: the URL's `type`, `error`
/// (text the error contains, case-insensitive) and `since` (on `failed_at`: an ISO 8601 time
/// or a duration back from now, `90s`, `15m`, `2h`, `7d`).
public struct DeadLetterFilter: Sendable, Equatable {
    public var type: String?
    public var errorContains: String?
    /// The lower bound on `failed_at`, resolved to a time.
    public var since: Date?

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(type: String? = nil, errorContains: String? = nil, since: Date? = nil) {
        self.type = type
        self.errorContains = errorContains
        self.since = since
    }

    /// Reads `type`, `error` and `since` from a query or a form; empty values count as absent.
    public init(parameters: [String: String], now: Date = Date()) throws(Invalid) {
        func value(_ name: String) -> String? {
            guard let text = parameters[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return String(text.prefix(200))
        }
        self.type = value("type")
        self.errorContains = value("error")
        if let text = value("since") {
            self.since = try Self.time(text, now: now)
        } else {
            self.since = nil
        }
    }

    public var isEmpty: Bool { type == nil && errorContains == nil && since == nil }

    public func matches(_ letter: DeadLetter) -> Bool {
        if let type, letter.type != type { return false }
        if let errorContains, letter.error.range(of: errorContains, options: .caseInsensitive) == nil { return false }
        if let since {
            guard let failed = try? Date(letter.failedAt, strategy: .iso8601), failed >= since else { return false }
        }
        return true
    }

    /// `since` as the ISO 8601 text carried by links and confirm forms (a fixed time, so the
    /// count and the action see the same bound).
    public var sinceText: String? { since?.formatted(.iso8601) }

    /// The filter as name/value pairs for a URL or hidden form fields.
    public var pairs: [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        if let type { pairs.append(("type", type)) }
        if let errorContains { pairs.append(("error", errorContains)) }
        if let sinceText { pairs.append(("since", sinceText)) }
        return pairs
    }

    /// `WHEN`: an ISO 8601 time or a duration back from `now` (`90s`, `15m`, `2h`, `7d`).
    public static func time(_ text: String, now: Date) throws(Invalid) -> Date {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = text.last, let factor = units[unit], let amount = Double(text.dropLast()), amount >= 0, amount.isFinite {
            return now.addingTimeInterval(-amount * factor)
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        throw Invalid(description: "since takes an ISO 8601 time (2026-12-01T10:00:00Z) or a duration back from now (90s, 15m, 2h, 7d), got '\(text)'")
    }
}
