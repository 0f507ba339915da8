/// A handler failure with a message meant for logs and dead letters.
public struct HandlerFailure: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// Wait at least this long before the next attempt (e.g. an HTTP `Retry-After`), up to
    /// the longest retry delay.
    public let retryAfter: Duration?

    public init(_ message: String, retryAfter: Duration? = nil) {
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { message }
}
