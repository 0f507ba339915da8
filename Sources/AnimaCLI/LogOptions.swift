public import ArgumentParser

/// Logging settings every executable shares.
public struct LogOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error or critical (env ANIMA_LOG_LEVEL; default info)."
    )
    public var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text or json: one JSON object per line (env ANIMA_LOG_FORMAT; default text).")
    public var logFormat: String?

    public init() {}
}
