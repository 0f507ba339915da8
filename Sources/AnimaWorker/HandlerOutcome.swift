/// How one attempt ended.
enum HandlerOutcome: Sendable {
    case success
    /// The message, and a least delay before the next attempt if the handler asked for one.
    case failure(String, retryAfter: Duration? = nil)
    /// Stopped by shutdown after the grace period: the event goes back unchanged.
    case interrupted
}
