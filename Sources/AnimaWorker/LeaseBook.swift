import NIOConcurrencyHelpers

/// The leases this worker holds right now (event id → token), renewed on every tick.
final class LeaseBook: Sendable {
    private let leases = NIOLockedValueBox<[String: String]>([:])

    func add(eventID: String, token: String) { leases.withLockedValue { $0[eventID] = token } }
    func remove(eventID: String) { _ = leases.withLockedValue { $0.removeValue(forKey: eventID) } }
    /// Whether the lease `token` on `eventID` is still held (not settled meanwhile).
    func holds(eventID: String, token: String) -> Bool { leases.withLockedValue { $0[eventID] == token } }
    var all: [(eventID: String, token: String)] { leases.withLockedValue { $0.map { ($0.key, $0.value) } } }
}
