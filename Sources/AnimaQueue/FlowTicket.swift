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
    /// The index of the attempt's step among the settle's settlements: a settle sent again
    /// after a lost reply gives the breaker nothing twice for a step the first call ran. Nil:
    /// no step of this call (the result always counts).
    public let settlement: Int?

    public init(_ ticket: FlowTicket, _ result: Result, settlement: Int? = nil) {
        self.ticket = ticket
        self.result = result
        self.settlement = settlement
    }
}
