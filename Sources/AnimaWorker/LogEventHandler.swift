public import AnimaWebhooks
import Logging

/// `builtin:log`: logs the event's id, type and size, then acknowledges.
public struct LogEventHandler: EventHandler {
    public init() {}
    public func handle(_ event: WebhookEvent, context: HandlerContext) async throws {
        handleInline(event, context: context)
    }

    public var runsInline: Bool { true }

    public func handleInline(_ event: WebhookEvent, context: HandlerContext) {
        context.logger.info("event received", metadata: ["anima.event.size": "\(event.body.count)"])
    }
}
