public import AnimaWebhooks
import Logging

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

extension EventHandler {
    public var runsInline: Bool { false }

    public func handleInline(_ event: WebhookEvent, context: HandlerContext) {}
}
