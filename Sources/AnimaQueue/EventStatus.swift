/// What is known of one event now: where it is, and its recorded attempts, oldest first.
public struct EventStatus: Sendable {
    public enum State: String, Sendable {
        case done, pending, scheduled, running, dead, paused, unknown
    }

    public let id: String
    public let state: State
    /// When a scheduled event is due, in milliseconds since 1970.
    public let dueAt: Int64?
    public let attempts: [HistoryRecord]

    public init(id: String, state: State, dueAt: Int64? = nil, attempts: [HistoryRecord]) {
        self.id = id
        self.state = state
        self.dueAt = dueAt
        self.attempts = attempts
    }

    /// False when nothing at all is known of the id: no attempt, no mark, no entry anywhere.
    public var isKnown: Bool { state != .unknown || !attempts.isEmpty }
}
