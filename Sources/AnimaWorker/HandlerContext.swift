public import Logging

/// What a handler gets besides the event.
public struct HandlerContext: Sendable {
    /// A logger with the event's id, type and attempt attached.
    public var logger: Logger
    /// How long this attempt may run.
    public var timeout: Duration

    public init(logger: Logger, timeout: Duration) {
        self.logger = logger
        self.timeout = timeout
    }
}
