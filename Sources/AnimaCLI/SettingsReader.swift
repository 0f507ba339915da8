/// Resolves each setting from its command-line flag or its environment variable (the flag
/// wins), and parses it with an error that names both. The one place where flags and
/// environment meet; each executable's configuration is built through it.
public struct SettingsReader: Sendable {
    public let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// The raw text of a setting, nil when neither flag nor variable is set.
    /// An empty variable counts as unset.
    public func text(_ flag: String?, _ variable: String) -> String? {
        if let flag { return flag }
        if let value = environment[variable], !value.isEmpty { return value }
        return nil
    }

    public func string(_ flag: String?, _ variable: String, default fallback: String) -> String {
        text(flag, variable) ?? fallback
    }

    public func integer(
        _ flag: String?,
        _ variable: String,
        default fallback: Int,
        range: ClosedRange<Int> = 0...Int.max
    ) throws(ConfigurationError) -> Int {
        guard let raw = text(flag, variable) else { return fallback }
        let trimmed = raw.trimmingWhitespace()
        guard let value = Int(trimmed), range.contains(value) else {
            throw ConfigurationError(
                "\(Self.name(variable)) must be a whole number in \(range.lowerBound)…\(range.upperBound == Int.max ? "" : String(range.upperBound)), got '\(raw)'"
            )
        }
        return value
    }

    /// A `*_SECONDS` setting: decimals allowed (`0.2`).
    public func seconds(
        _ flag: String?,
        _ variable: String,
        default fallback: Duration,
        minimum: Double = 0
    ) throws(ConfigurationError) -> Duration {
        guard let raw = text(flag, variable) else { return fallback }
        let trimmed = raw.trimmingWhitespace()
        guard let value = Double(trimmed), value.isFinite, value >= minimum, value < 1e9 else {
            throw ConfigurationError("\(Self.name(variable)) must be a number of seconds ≥ \(minimum) (decimals allowed), got '\(raw)'")
        }
        return .nanoseconds(Int64((value * 1e9).rounded()))
    }

    public func choice(
        _ flag: String?,
        _ variable: String,
        default fallback: String,
        among choices: [String]
    ) throws(ConfigurationError) -> String {
        guard let raw = text(flag, variable) else { return fallback }
        guard choices.contains(raw) else {
            throw ConfigurationError("\(Self.name(variable)) must be one of \(choices.joined(separator: ", ")), got '\(raw)'")
        }
        return raw
    }

    /// `--kebab-case` (`VARIABLE`): how errors name a setting. The flag is the variable without
    /// `ANIMA_`, in kebab case.
    public static func name(_ variable: String) -> String {
        "\(flag(for: variable)) (\(variable))"
    }

    public static func flag(for variable: String) -> String {
        var name = Substring(variable)
        if name.hasPrefix("ANIMA_") { name = name.dropFirst("ANIMA_".count) }
        return "--" + name.lowercased().replacingOccurrences(of: "_", with: "-")
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    fileprivate func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
