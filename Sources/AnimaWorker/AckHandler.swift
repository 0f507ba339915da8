public import AnimaWebhooks

/// `builtin:ack`: acknowledges and does nothing (an explicit "we ignore this type").
public struct AckHandler: EventHandler {
    public init() {}
    public func handle(_ event: WebhookEvent, context: HandlerContext) async throws {}
    public var runsInline: Bool { true }
    public func handleInline(_ event: WebhookEvent, context: HandlerContext) {}
}
