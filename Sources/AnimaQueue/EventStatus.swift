/// What is known of one event now: where it is, and its recorded attempts, oldest first.
public struct EventStatus: Sendable {
    public enum State: String, Sendable {
        case done, pending, scheduled, running, dead, paused, waiting, unknown
    }

    public let id: String
    public let state: State
    /// When a scheduled event is due, in milliseconds since 1970.
    public let dueAt: Int64?
    /// A waiting event's order key, and the id of the event that holds it (the one it waits
    /// behind; nil if the key was handed over meanwhile).
    public let waitingFor: (key: String, behind: String?)?
    public let attempts: [HistoryRecord]

    public init(id: String, state: State, dueAt: Int64? = nil, waitingFor: (key: String, behind: String?)? = nil, attempts: [HistoryRecord]) {
        self.id = id
        self.state = state
        self.dueAt = dueAt
        self.waitingFor = waitingFor
        self.attempts = attempts
    }

    /// False when nothing at all is known of the id: no attempt, no mark, no entry anywhere.
    public var isKnown: Bool { state != .unknown || !attempts.isEmpty }
}
