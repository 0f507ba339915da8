public import AnimaWorker

extension HandlerSpec {
    /// The handler this spec names. `forwardSecret` signs the requests of an HTTP handler
    /// (`ANIMA_FORWARD_SECRET`; nil: unsigned); the other handlers ignore it.
    public func handler(forwardSecret: String? = nil) -> any EventHandler {
        switch self {
        case .ack: AckHandler()
        case .log: LogEventHandler()
        case .command(let command): CommandHandler(command: command)
        case .forward(let url): HTTPForwardHandler(url: url, forwardSecret: forwardSecret)
        }
    }
}
