public import AnimaWebhooks

/// Which handler runs for which event type. `*` is the fallback for types without their own.
public struct HandlerRegistry: Sendable {
    private var handlers: [String: any EventHandler] = [:]

    public init() {}

    /// Registers `handler` for `type` (`*`: every type without its own handler).
    public mutating func on(_ type: String, _ handler: some EventHandler) {
        handlers[type] = handler
    }

    /// Registers a closure for `type`.
    public mutating func on(
        _ type: String,
        _ body: @escaping @Sendable (_ event: AnimaWebhooks.WebhookEvent, _ context: HandlerContext) async throws -> Void
    ) {
        handlers[type] = ClosureEventHandler(body)
    }

    /// The handler for `type`, else the `*` handler, else nil (unhandled).
    public func handler(for type: String) -> (any EventHandler)? {
        handlers[type] ?? handlers["*"]
    }

    public var types: [String] { handlers.keys.sorted() }

    /// The metrics label of `type`: itself when it has a handler of its own, else `other`.
    func metricLabel(for type: String) -> String {
        type != "*" && handlers[type] != nil ? type : "other"
    }
}
