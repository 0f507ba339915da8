/// The Redis key names of one queue, all under one prefix (`ANIMA_KEY_PREFIX`, default `anima`).
public struct QueueKeys: Sendable, Hashable {
    public let prefix: String

    public init(prefix: String = "anima") {
        self.prefix = prefix
    }

    /// List of pending events: the ingress pushes on the left, workers take from the right.
    public var events: String { "\(prefix):events" }
    /// List of dead letters, newest first.
    public var dead: String { "\(prefix):dead" }
    /// Idempotency mark of one event id.
    public func event(id: String) -> String { "\(prefix):event:\(id)" }
}
