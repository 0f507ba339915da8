public import AnimaQueue
public import Foundation

/// Which dead letters a page, a bulk replay or a purge is about, as the URL or form says it:
/// `type`, `error` (text the error contains, case-insensitive) and `since` (a `WHEN` on
/// `failed_at`, as `dlq replay --since` takes it). The matching itself is the queue's
/// ``AnimaQueue/DeadLetterFilter``.
public struct DeadLetterQuery: Sendable, Equatable {
    /// The conditions, with `since` resolved to a fixed time.
    public var filter: DeadLetterFilter

    /// A parameter that could not be read; the description says which and what is accepted.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(filter: DeadLetterFilter = DeadLetterFilter()) {
        self.filter = filter
    }

    /// Reads `type`, `error` and `since` from a query or a form; empty values count as absent.
    public init(parameters: [String: String], now: Date = Date()) throws(Invalid) {
        func value(_ name: String) -> String? {
            guard let text = parameters[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return String(text.prefix(200))
        }
        var filter = DeadLetterFilter(type: value("type"), errorContains: value("error"))
        if let text = value("since") {
            do { filter.since = try TimeBound(parsing: text).date(now: now) } catch {
                throw Invalid(description: "since: \(error.description)")
            }
        }
        self.filter = filter
    }

    public var isEmpty: Bool { filter.isEmpty }
    public var type: String? { filter.type }
    public var errorContains: String? { filter.errorContains }

    /// Whether the stored entry belongs: a dead letter the filter matches or, with no condition
    /// at all, anything (also an entry that is not a dead-letter object).
    func matches(_ entry: DeadLetterStore.Entry) -> Bool {
        isEmpty || filter.matches(entry.letter)
    }

    /// `since` as the ISO 8601 text carried by links and confirm forms (a fixed time, so the
    /// count and the action see the same bound).
    public var sinceText: String? { filter.since?.formatted(.iso8601) }

    /// The query as name/value pairs for a URL or hidden form fields.
    public var pairs: [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        if let type { pairs.append(("type", type)) }
        if let errorContains { pairs.append(("error", errorContains)) }
        if let sinceText { pairs.append(("since", sinceText)) }
        return pairs
    }
}
