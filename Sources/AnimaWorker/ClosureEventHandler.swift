public import AnimaWebhooks

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
