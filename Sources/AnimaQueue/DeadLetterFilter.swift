public import Foundation

/// Which dead letters a filtered replay (or its dry run) takes. Every condition given must hold;
/// no condition at all matches every dead-letter object. An entry that is not a dead-letter
/// object never matches.
public struct DeadLetterFilter: Sendable, Hashable {
    /// Only this event type (entries without a type never match).
    public var type: String?
    /// Only entries whose `error` contains this text, ignoring case.
    public var errorContains: String?
    /// Only entries with `failed_at` at or after this instant.
    public var since: Date?
    /// Only entries with `failed_at` before this instant.
    public var until: Date?

    public init(type: String? = nil, errorContains: String? = nil, since: Date? = nil, until: Date? = nil) {
        self.type = type
        self.errorContains = errorContains
        self.since = since
        self.until = until
    }

    /// True when no condition is set.
    public var isEmpty: Bool { type == nil && errorContains == nil && since == nil && until == nil }

    public func matches(_ letter: DeadLetter?) -> Bool {
        guard let letter else { return false }
        if let type, letter.type != type { return false }
        if let errorContains, !errorContains.isEmpty,
            letter.error.range(of: errorContains, options: .caseInsensitive) == nil
        {
            return false
        }
        if since != nil || until != nil {
            // An unreadable `failed_at` cannot be placed in the window.
            guard let failedAt = ISO8601Time.date(from: letter.failedAt) else { return false }
            if let since, failedAt < since { return false }
            if let until, failedAt >= until { return false }
        }
        return true
    }
}
