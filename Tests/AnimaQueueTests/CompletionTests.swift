import AnimaQueue
import AnimaRedis
import NIOCore
import Testing

/// Recording a success: the done mark, the acknowledgement, and what a repeat after a lost
/// reply or a lost lease finds.
@Suite("Queue: completion")
struct CompletionTests {
    static let keys = QueueKeys()
    static let processing = keys.processing(workerID: queueFixtureWorker)
    static let eventID = "evt_complete"
    static let eventKey = keys.event(id: eventID)
    static let token = "lease:w-test:1"
    static let entry = ByteBuffer(string: #"{"id":"evt_complete","type":"resource.created"}"#)

    private func takeAndLease(_ redis: RedisClient, owner: String = token) async throws {
        _ = try await redis.send(RedisCommand("LPUSH", Self.processing, Self.entry))
        _ = try await redis.send(RedisCommand("SET", Self.eventKey, owner, "PX", "60000"))
    }

    @Test func completionWritesTheDoneMarkAndAcknowledgesTheEntry() async throws {
        try await withQueue { queue, redis in
            try await takeAndLease(redis)
            let completion = try await queue.complete(entry: Self.entry, eventID: Self.eventID, token: Self.token)
            #expect(completion == .recorded, "expected .recorded, saw \(completion)")
            #expect(try await redis.send(RedisCommand("GET", Self.eventKey)).string == "done")
            let ttl = try await redis.send(RedisCommand("TTL", Self.eventKey)).int ?? 0
            #expect(ttl > 604_000, "expected the done mark to live 7 days, saw TTL \(ttl) s")
            #expect(try await redis.send(RedisCommand("LLEN", Self.processing)).int == 0, "the entry was not acknowledged")
        }
    }

    @Test func repeatAfterALostReplyFindsItAlreadyAcknowledged() async throws {
        try await withQueue { queue, redis in
            try await takeAndLease(redis)
            _ = try await queue.complete(entry: Self.entry, eventID: Self.eventID, token: Self.token)
            let again = try await queue.complete(entry: Self.entry, eventID: Self.eventID, token: Self.token)
            #expect(again == .alreadyAcknowledged, "expected .alreadyAcknowledged, saw \(again)")
            #expect(try await redis.send(RedisCommand("GET", Self.eventKey)).string == "done")
        }
    }

    @Test func eventAnotherWorkerOwnsKeepsItsLeaseAndOurEntryIsAcknowledged() async throws {
        try await withQueue { queue, redis in
            try await takeAndLease(redis, owner: "lease:other:1")
            let completion = try await queue.complete(entry: Self.entry, eventID: Self.eventID, token: Self.token)
            #expect(completion == .ownedElsewhere, "expected .ownedElsewhere, saw \(completion)")
            #expect(try await redis.send(RedisCommand("GET", Self.eventKey)).string == "lease:other:1")
            #expect(try await redis.send(RedisCommand("LLEN", Self.processing)).int == 0, "the entry was not acknowledged")
        }
    }

    @Test func eventAnotherWorkerAlreadyCompletedIsOwnedElsewhere() async throws {
        try await withQueue { queue, redis in
            try await takeAndLease(redis, owner: "done")
            let completion = try await queue.complete(entry: Self.entry, eventID: Self.eventID, token: Self.token)
            #expect(completion == .ownedElsewhere, "expected .ownedElsewhere, saw \(completion)")
            #expect(try await redis.send(RedisCommand("LLEN", Self.processing)).int == 0, "the entry was not acknowledged")
        }
    }
}
