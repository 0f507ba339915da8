/// What is known of one event now: where it is, and its recorded attempts, oldest first.
public struct EventStatus: Sendable {
    public enum State: String, Sendable {
        case done, pending, scheduled, running, dead, paused, waiting, held, unknown
    }

    public let id: String
    public let state: State
    /// When a scheduled event is due, in milliseconds since 1970.
    public let dueAt: Int64?
    /// A waiting event's order key, and the id of the event that holds it (the one it waits
    /// behind; nil if the key was handed over meanwhile).
    public let waitingFor: (key: String, behind: String?)?
    /// A held event's type and what holds it back: its type's limit, or its open breaker.
    public let heldBy: (type: String, hold: FlowHold)?
    public let attempts: [HistoryRecord]

    public init(
        id: String, state: State, dueAt: Int64? = nil, waitingFor: (key: String, behind: String?)? = nil,
        heldBy: (type: String, hold: FlowHold)? = nil, attempts: [HistoryRecord]
    ) {
        self.id = id
        self.state = state
        self.dueAt = dueAt
        self.waitingFor = waitingFor
        self.heldBy = heldBy
        self.attempts = attempts
    }

    /// `held back by the limit of T` or `held back: the breaker of T is open`; nil unless held.
    public var heldReason: String? {
        heldBy.map { held in
            held.hold == .breaker ? "held back: the breaker of \(held.type) is open" : "held back by the limit of \(held.type)"
        }
    }

    /// False when nothing at all is known of the id: no attempt, no mark, no entry anywhere.
    public var isKnown: Bool { state != .unknown || !attempts.isEmpty }
}
