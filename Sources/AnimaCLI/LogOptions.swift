public import ArgumentParser
import Logging

/// Logging settings every executable shares.
public struct LogOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error or critical (env ANIMA_LOG_LEVEL; default \(LogSetup().level.rawValue))."
    )
    public var logLevel: String?

    @Option(
        name: .customLong("log-format"),
        help: "text or json: one JSON object per line (env ANIMA_LOG_FORMAT; default \(LogSetup().format.rawValue))."
    )
    public var logFormat: String?

    public init() {}
}
