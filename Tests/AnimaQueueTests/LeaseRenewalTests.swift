import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import NIOCore
import Testing

/// The lease scripts against a real Redis: a renewal extends our lease, reports another's as
/// lost, and takes an expired one again only while the event is still unsettled in our list.
@Suite("Queue: lease renewal")
struct LeaseRenewalTests {
    static let keys = QueueKeys()
    static let worker = queueFixtureWorker
    static let eventID = "evt_lease"
    static let token = "lease:w-test:1"
    static let entry = ByteBuffer(string: #"{"id":"evt_lease","type":"resource.created"}"#)

    @Test func renewalExtendsOurLease() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("SET", Self.keys.event(id: Self.eventID), Self.token, "PX", "20000"))
            let renewal = try await queue.renew(eventID: Self.eventID, token: Self.token, lease: .seconds(600))
            #expect(renewal == .extended, "expected .extended, saw \(renewal)")
            let ttl = try await redis.send(RedisCommand("PTTL", Self.keys.event(id: Self.eventID))).int ?? -1
            #expect(ttl > 20000, "expected the lease to live ~600 s now, saw PTTL \(ttl) ms")
        }
    }

    @Test func leaseOfAnotherWorkerIsLostAndNotTaken() async throws {
        try await withQueue { queue, redis in
            let key = Self.keys.event(id: Self.eventID)
            _ = try await redis.send(RedisCommand("SET", key, "lease:other:1", "PX", "30000"))
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.processing(workerID: Self.worker), Self.entry))
            let renewal = try await queue.renew(eventID: Self.eventID, token: Self.token, lease: .seconds(30))
            #expect(renewal == .lost, "expected .lost, saw \(renewal)")
            let retaken = try await queue.retake(eventID: Self.eventID, token: Self.token, entry: Self.entry, lease: .seconds(30))
            #expect(!retaken, "took another worker's lease")
            #expect(try await redis.send(RedisCommand("GET", key)).string == "lease:other:1")
        }
    }

    @Test func expiredLeaseIsTakenAgainWhileTheEntryIsUnsettled() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.processing(workerID: Self.worker), Self.entry))
            let renewal = try await queue.renew(eventID: Self.eventID, token: Self.token, lease: .seconds(30))
            #expect(renewal == .expired, "expected .expired, saw \(renewal)")
            let retaken = try await queue.retake(eventID: Self.eventID, token: Self.token, entry: Self.entry, lease: .seconds(30))
            #expect(retaken, "an expired lease of an unsettled event was not taken again")
            let held = try await redis.send(RedisCommand("GET", Self.keys.event(id: Self.eventID))).string
            #expect(held == Self.token, "expected our token on the event, saw \(String(describing: held))")
        }
    }

    @Test func settledEventsLeaseIsNotBroughtBackByALateRenewal() async throws {
        try await withQueue { queue, redis in
            // Settling removed the entry from our list and deleted the lease; a renewal from a
            // snapshot taken before that arrives afterwards.
            let renewal = try await queue.renew(eventID: Self.eventID, token: Self.token, lease: .seconds(30))
            #expect(renewal == .expired, "expected .expired, saw \(renewal)")
            let retaken = try await queue.retake(eventID: Self.eventID, token: Self.token, entry: Self.entry, lease: .seconds(30))
            #expect(!retaken, "the lease of a settled event came back")
            let held = try await redis.send(RedisCommand("GET", Self.keys.event(id: Self.eventID)))
            #expect(held == .null, "expected no lease on the settled event, saw \(held)")
        }
    }
}
