public import AnimaWebhooks
public import Logging

/// Handles the events of one or more types. Return normally for success; throw to fail the
/// attempt (it is retried with backoff, then dead-lettered).
///
/// The runtime cancels the handler's task when it runs past the handler timeout or when the
/// worker stops and the shutdown grace has passed; a well-behaved handler stops at cancellation.
public protocol EventHandler: Sendable {
    func handle(_ event: WebhookEvent, context: HandlerContext) async throws

    /// True for handlers that are cheap, never block and cannot fail (the builtins): the
    /// runtime calls ``handleInline(_:context:)`` on the spot, with no task of their own and no
    /// timeout, and settles their events in batches. Default false.
    var runsInline: Bool { get }

    /// The inline form of ``handle(_:context:)``, called when ``runsInline`` is true.
    func handleInline(_ event: WebhookEvent, context: HandlerContext)
}

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

/// An ``EventHandler`` made of a closure.
public struct ClosureEventHandler: EventHandler {
    private let body: @Sendable (WebhookEvent, HandlerContext) async throws -> Void

    public init(_ body: @escaping @Sendable (WebhookEvent, HandlerContext) async throws -> Void) {
        self.body = body
    }

    public func handle(_ event: WebhookEvent, context: HandlerContext) async throws {
        try await body(event, context)
    }
}

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

extension EventHandler {
    public var runsInline: Bool { false }

    public func handleInline(_ event: WebhookEvent, context: HandlerContext) {}
}
