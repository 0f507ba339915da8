/// How one attempt ended.
enum HandlerOutcome: Sendable {
    case success
    case failure(String)
    /// Stopped by shutdown after the grace period: the event goes back unchanged.
    case interrupted
}
