/// A worker's lease on one event id: `anima:event:<id>` holds `token` while its handler runs.
public struct EventLease: Sendable, Hashable {
    public let eventID: String
    public let token: String

    public init(eventID: String, token: String) {
        self.eventID = eventID
        self.token = token
    }
}
