public import AnimaWebhooks

/// `builtin:ack`: acknowledges and does nothing (an explicit "we ignore this type").
public struct AckHandler: EventHandler {
    public init() {}
    public func handle(_ event: WebhookEvent, context: HandlerContext) async throws {}
}
