/// An attempt admitted under its type's limit or breaker: its settle frees the slot `token`
/// and gives the breaker its result (see ``FlowScripts``).
public struct FlowTicket: Sendable, Hashable {
    public let type: String
    public let token: String

    public init(type: String, token: String) {
        self.type = type
        self.token = token
    }
}

/// What an attempt's settle tells its type's breaker.
public struct FlowRelease: Sendable {
    public enum Result: String, Sendable {
        case success = "s"
        case failure = "f"
        /// Not an attempt that ran (a duplicate, a put-back, a park).
        case none = "-"
    }

    public let ticket: FlowTicket
    public let result: Result

    public init(_ ticket: FlowTicket, _ result: Result) {
        self.ticket = ticket
        self.result = result
    }
}
