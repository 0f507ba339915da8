/// A limit or breaker setting given as text (by `anima-admin limit` / `breaker`, or the
/// dashboard's forms) that cannot be used; the description names the setting, what it must be
/// and the value given.
public struct FlowSettingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong. Extensible: match the static members you care about.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Not a value of the setting's form (`fifty` for a rate).
        public static let malformed = Code("malformed")
        /// Of the right form but outside the allowed range (`0` for a concurrency).
        public static let outOfRange = Code("out of range")
        /// A limit with neither a concurrency nor a rate.
        public static let empty = Code("empty")
    }

    public let code: Code
    /// The setting, as the admin's flag without dashes: `concurrency`, `rate`, `failure-rate`,
    /// `min-attempts`, `window`, `cooldown`.
    public let setting: String
    /// What it must be: `a whole number ≥ 1`.
    public let expected: String
    /// The text as given.
    public let value: String

    public init(_ code: Code, setting: String, expected: String, value: String) {
        self.code = code
        self.setting = setting
        self.expected = expected
        self.value = value
    }

    public var description: String {
        code == .empty ? "give \(expected)" : "\(setting) must be \(expected), got '\(value)'"
    }
}
