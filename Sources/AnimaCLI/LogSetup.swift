public import Logging

/// Resolved logging settings, and the one call that installs them process-wide.
public struct LogSetup: Sendable {
    public enum Format: String, Sendable { case text, json }

    public var level: Logger.Level
    public var format: Format

    public init(level: Logger.Level = .info, format: Format = .text) {
        self.level = level
        self.format = format
    }

    public init(options: LogOptions, settings: SettingsReader) throws(ConfigurationError) {
        let levels = Logger.Level.allCases.map(\.rawValue)
        let defaults = LogSetup()
        let level = try settings.choice(options.logLevel, "ANIMA_LOG_LEVEL", default: defaults.level.rawValue, among: levels)
        let format = try settings.choice(options.logFormat, "ANIMA_LOG_FORMAT", default: defaults.format.rawValue, among: ["text", "json"])
        self.init(level: Logger.Level(rawValue: level) ?? defaults.level, format: Format(rawValue: format) ?? defaults.format)
    }

    /// Installs the log handler (stderr, buffered: see ``LogBuffer``) for the whole process and
    /// returns a logger for `label`. Call once, at start.
    public func bootstrap(label: String) -> Logger {
        let level = self.level
        switch format {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = TextLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
