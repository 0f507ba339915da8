public import AnimaWebhooks
import Logging

/// `builtin:log`: logs the event's id, type and size, then acknowledges.
public struct LogEventHandler: EventHandler {
    public init() {}
    public func handle(_ event: WebhookEvent, context: HandlerContext) async throws {
        context.logger.info("event received", metadata: ["anima.event.size": "\(event.body.count)"])
    }
}
