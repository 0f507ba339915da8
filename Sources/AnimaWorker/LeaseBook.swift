import AnimaQueue
import NIOConcurrencyHelpers
import NIOCore

/// The leases this worker holds right now (event id → token, and the entry being handled),
/// renewed on every tick.
final class LeaseBook: Sendable {
    struct Lease: Sendable {
        let eventID: String
        let token: String
        let entry: ByteBuffer
        /// The slot its type's limit gave it, renewed with the lease.
        let flow: FlowTicket?
    }

    private let leases = NIOLockedValueBox<[String: Lease]>([:])

    func add(eventID: String, token: String, entry: ByteBuffer, flow: FlowTicket? = nil) {
        leases.withLockedValue { $0[eventID] = Lease(eventID: eventID, token: token, entry: entry, flow: flow) }
    }
    func remove(eventID: String) { _ = leases.withLockedValue { $0.removeValue(forKey: eventID) } }
    /// Whether the lease `token` on `eventID` is still held (not settled meanwhile).
    func holds(eventID: String, token: String) -> Bool { leases.withLockedValue { $0[eventID]?.token == token } }
    var all: [Lease] { leases.withLockedValue { Array($0.values) } }
}
