public import Foundation

/// A `WHEN` given on the command line (`--since`, `--until`): an ISO 8601 time
/// (`2026-12-01T10:00:00Z`, fractional seconds allowed) or a duration back from now (`90s`, `15m`,
/// `2h`, `7d`).
public enum TimeBound: Sendable, Hashable {
    /// A fixed instant.
    case at(Date)
    /// This long before the moment the bound is resolved.
    case ago(Duration)

    /// The forms accepted, for help texts and error messages.
    public static let acceptedForms =
        "an ISO 8601 UTC time (2026-12-01T10:00:00Z, fractional seconds allowed) or a duration back from now (90s, 15m, 2h, 7d)"

    /// The longest duration accepted: 100 years.
    static let maximumAgo: Int64 = 100 * 366 * 86400

    /// Parses `text` (surrounding whitespace ignored).
    public init(parsing text: String) throws(TimeBoundError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = ISO8601Time.date(from: trimmed) {
            self = .at(date)
            return
        }
        guard let unit = trimmed.last, let scale = Self.unitSeconds[unit] else {
            throw TimeBoundError(.malformed, value: text)
        }
        let digits = trimmed.dropLast()
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else {
            throw TimeBoundError(.malformed, value: text)
        }
        guard let count = Int64(digits), count <= Self.maximumAgo / scale else {
            throw TimeBoundError(.outOfRange, value: text)
        }
        self = .ago(.seconds(count * scale))
    }

    private static let unitSeconds: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]

    /// The instant this bound names, a duration counted back from `now`.
    public func date(now: Date = Date()) -> Date {
        switch self {
        case .at(let date): date
        case .ago(let duration): now.addingTimeInterval(-Double(duration.components.seconds))
        }
    }
}

/// A `WHEN` that could not be parsed; the description quotes it and names the accepted forms.
public struct TimeBoundError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong. Extensible: match the static members you care about.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Neither an ISO 8601 time nor a duration.
        public static let malformed = Code("malformed")
        /// A duration longer than 100 years.
        public static let outOfRange = Code("out of range")
    }

    public let code: Code
    /// The text as given.
    public let value: String

    public init(_ code: Code, value: String) {
        self.code = code
        self.value = value
    }

    public var description: String {
        let what = code == .outOfRange ? "is too far back" : "is not a time"
        return "'\(value)' \(what): give \(TimeBound.acceptedForms)"
    }
}
