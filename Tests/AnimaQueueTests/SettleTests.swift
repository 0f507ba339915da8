import AnimaQueue
import AnimaRedis
import NIOCore
import Testing

/// The ways out of a processing list other than success: a retry scheduled, a dead letter, an
/// entry put back; each releases only our own lease and moves only an entry that is still ours.
@Suite("Queue: settle")
struct SettleTests {
    static let keys = QueueKeys()
    static let processing = keys.processing(workerID: queueFixtureWorker)
    static let entry = ByteBuffer(string: #"{"id":"evt_s","type":"t"}"#)
    static let lease = EventLease(eventID: "evt_s", token: "lease:w-test:1")
    static let eventKey = keys.event(id: "evt_s")

    private func takeAndLease(_ redis: RedisClient, owner: String = lease.token) async throws {
        _ = try await redis.send(RedisCommand("LPUSH", Self.processing, Self.entry))
        _ = try await redis.send(RedisCommand("SET", Self.eventKey, owner, "PX", "60000"))
    }

    private func count(_ redis: RedisClient, _ command: String, _ key: String) async throws -> Int {
        try await redis.send(RedisCommand(command, key)).int ?? -1
    }

    @Test func retrySchedulesTheEventWithTheAttemptCountedAndReleasesTheLease() async throws {
        try await withQueue { queue, redis in
            try await takeAndLease(redis)
            let moved = try await queue.retry(entry: Self.entry, releasing: Self.lease, body: Self.entry, attempts: 3, delay: .seconds(60))
            #expect(moved, "expected the entry to move")
            let scheduled = try await redis.send(RedisCommand("ZRANGE", Self.keys.scheduled, 0, -1)).array?.compactMap(\.bytes) ?? []
            let attempts = scheduled.first.map { QueueEntry(stored: $0).attempts }
            #expect(attempts == 3, "expected one scheduled entry with 3 attempts, saw \(String(describing: attempts))")
            #expect(try await redis.send(RedisCommand("GET", Self.eventKey)) == .null, "the lease was not released")
            #expect(try await count(redis, "LLEN", Self.processing) == 0, "the entry is still in the processing list")
        }
    }

    @Test func deferralWithoutALeaseLeavesTheOtherWorkersLease() async throws {
        try await withQueue { queue, redis in
            try await takeAndLease(redis, owner: "lease:other:1")
            try await queue.retry(entry: Self.entry, releasing: nil, body: Self.entry, attempts: 0, delay: .seconds(1))
            let mark = try await redis.send(RedisCommand("GET", Self.eventKey)).string
            #expect(mark == "lease:other:1", "expected the other worker's lease to stay, saw \(String(describing: mark))")
            #expect(try await count(redis, "ZCARD", Self.keys.scheduled) == 1, "the deferred copy was not scheduled")
        }
    }

    @Test func deadLetterIsPushedAndTheLeaseReleased() async throws {
        try await withQueue { queue, redis in
            try await takeAndLease(redis)
            let moved = try await queue.deadLetter(entry: Self.entry, releasing: Self.lease, letter: ByteBuffer(string: "letter"))
            #expect(moved, "expected the entry to move")
            let dead = try await redis.send(RedisCommand("LRANGE", Self.keys.dead, 0, -1)).array?.compactMap(\.string)
            #expect(dead == ["letter"], "expected [letter] in the dead letters, saw \(String(describing: dead))")
            #expect(try await redis.send(RedisCommand("GET", Self.eventKey)) == .null, "the lease was not released")
        }
    }

    @Test func entryNoLongerOursIsNeitherScheduledNorDeadLettered() async throws {
        try await withQueue { queue, redis in
            let retried = try await queue.retry(entry: Self.entry, releasing: Self.lease, body: Self.entry, attempts: 1, delay: .seconds(1))
            let buried = try await queue.deadLetter(entry: Self.entry, releasing: Self.lease, letter: ByteBuffer(string: "letter"))
            #expect(!retried && !buried, "expected both to find the entry gone, saw retry \(retried), dead letter \(buried)")
            #expect(try await count(redis, "ZCARD", Self.keys.scheduled) == 0, "something was scheduled")
            #expect(try await count(redis, "LLEN", Self.keys.dead) == 0, "something was dead-lettered")
        }
    }

    @Test func putBackReturnsTheEntryUnchangedToBeTakenNext() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "newer"))
            try await takeAndLease(redis)
            let moved = try await queue.putBack(entry: Self.entry, releasing: Self.lease)
            #expect(moved, "expected the entry to move")
            let next = try await redis.send(RedisCommand("RPOP", Self.keys.events)).bytes
            #expect(next == Self.entry, "expected the put-back entry to be taken next, unchanged; saw \(String(describing: next.map { String(buffer: $0) }))")
            #expect(try await redis.send(RedisCommand("GET", Self.eventKey)) == .null, "the lease was not released")
        }
    }

    @Test func unheldNamesOnlyTheEntriesTheWorkerDoesNotHold() async throws {
        try await withQueue { queue, redis in
            let held = ByteBuffer(string: "held")
            _ = try await redis.send(RedisCommand("LPUSH", Self.processing, held, "lost-reply"))
            let unheld = try await queue.unheld([held]).map { String(buffer: $0) }
            #expect(unheld == ["lost-reply"], "expected [lost-reply] unheld, saw \(unheld)")
        }
    }

    @Test func settlementsOfABatchAnswerInOrderAndTheTrailingCommandRunsAfterThem() async throws {
        try await withQueue { queue, redis in
            try await takeAndLease(redis)
            let duplicate = ByteBuffer(string: "duplicate")
            _ = try await redis.send(RedisCommand("LPUSH", Self.processing, duplicate))
            let (settled, trailing) = try await queue.settle(
                [Settlement(entry: Self.entry, step: .complete(Self.lease)), Settlement(entry: duplicate, step: .acknowledge)],
                then: RedisCommand("LLEN", Self.processing)
            )
            #expect(settled == [.completed(.recorded), .moved(true)], "expected [recorded, moved], saw \(settled)")
            #expect(trailing?.int == 0, "expected the trailing command to run after both steps (LLEN 0), saw \(String(describing: trailing))")
        }
    }

    @Test func aTrailingCommandThatFailsLeavesTheSettlementStanding() async throws {
        try await withQueue { queue, redis in
            try await takeAndLease(redis)
            _ = try await redis.send(RedisCommand("SET", "not-a-list", "x"))
            let (settled, trailing) = try await queue.settle(
                [Settlement(entry: Self.entry, step: .complete(Self.lease))], then: RedisCommand("RPUSH", "not-a-list", "y")
            )
            #expect(settled == [.completed(.recorded)], "expected the step recorded, saw \(settled)")
            guard case .error(let message)? = trailing else {
                Issue.record("expected the trailing command's error reply, saw \(String(describing: trailing))")
                return
            }
            #expect(message.contains("WRONGTYPE"), "expected a WRONGTYPE reply, saw \(message)")
            #expect(try await count(redis, "LLEN", Self.processing) == 0, "an entry is still in the processing list")
        }
    }
}
