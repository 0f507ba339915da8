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
            #expect(
                next == Self.entry,
                "expected the put-back entry to be taken next, unchanged; saw \(String(describing: next.map { String(buffer: $0) }))")
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

    /// One record of `evt_s`'s outcome, for the recording settled with it.
    private static let history = HistoryBatch([
        .init(
            record: HistoryRecord(
                eventID: "evt_s", type: "t", attempt: 1, result: .ok, durationMilliseconds: 1, error: nil, worker: "w-test", at: 0,
                dueAt: nil), digest: nil, final: true),
        nil,
    ])

    /// Sent again after its reply was lost (the worker cannot tell whether it ran), a batch
    /// does not record its outcomes a second time.
    @Test func aRecordingSentAgainAfterALostReplyAddsNothingTheFirstAdded() async throws {
        try await withQueue { queue, redis in
            _ = try await queue.settle([], recording: Self.history, maxLength: 1_000)
            _ = try await queue.settle([], recording: Self.history, maxLength: 1_000, again: true)
            let records = try await redis.send(RedisCommand("XLEN", Self.keys.history)).int
            #expect(records == 1, "expected evt_s's outcome recorded once, saw \(String(describing: records)) records")
        }
    }

    /// Sent again when the first call never reached Redis, a batch records its outcomes.
    @Test func aRecordingSentAgainThatNeverArrivedBeforeRecordsItsOutcomes() async throws {
        try await withQueue { queue, redis in
            _ = try await queue.settle([], recording: Self.history, maxLength: 1_000, again: true)
            let records = try await redis.send(RedisCommand("XLEN", Self.keys.history)).int
            #expect(records == 1, "expected evt_s's outcome recorded, saw \(String(describing: records)) records")
        }
    }

    @Test func aBatchSettlesAndRecordsItsHistoryInOneScriptCall() async throws {
        try await withQueue { queue, redis in
            _ = try await queue.settle([Settlement(entry: ByteBuffer(string: "warm-up"), step: .acknowledge)])
            _ = try await redis.send(RedisCommand("CONFIG", "RESETSTAT"))
            try await takeAndLease(redis)
            let duplicate = ByteBuffer(string: "duplicate")
            _ = try await redis.send(RedisCommand("LPUSH", Self.processing, duplicate))
            let (settled, recorded, _) = try await queue.settle(
                [Settlement(entry: Self.entry, step: .complete(Self.lease)), Settlement(entry: duplicate, step: .acknowledge)],
                recording: Self.history, maxLength: 100
            )
            #expect(settled == [.completed(.recorded), .moved(true)], "expected [recorded, moved], saw \(settled)")
            #expect(
                recorded?.array?.count == 1, "expected one receipt slot for the one recording item, saw \(String(describing: recorded))")
            #expect(try await count(redis, "XLEN", Self.keys.history) == 1, "expected one outcome in the history")
            let calls = try await scriptCalls(redis)
            #expect(calls == 1, "expected one script call for the batch, saw \(calls)")
        }
    }

    @Test func aRecordingThatFailsLeavesTheSettlementStanding() async throws {
        try await withQueue { queue, redis in
            try await takeAndLease(redis)
            _ = try await redis.send(RedisCommand("SET", Self.keys.history, "not-a-stream"))
            let (settled, recorded, _) = try await queue.settle(
                [Settlement(entry: Self.entry, step: .complete(Self.lease))], recording: Self.history, maxLength: 100
            )
            #expect(settled == [.completed(.recorded)], "expected the step recorded, saw \(settled)")
            guard case .error(let message)? = recorded else {
                Issue.record("expected the recording's error reply, saw \(String(describing: recorded))")
                return
            }
            #expect(message.contains("WRONGTYPE"), "expected a WRONGTYPE reply, saw \(message)")
            #expect(try await count(redis, "LLEN", Self.processing) == 0, "an entry is still in the processing list")
        }
    }

    @Test func aStepThatFailsLeavesItsNeighboursSettled() async throws {
        try await withQueue { queue, redis in
            let broken = ByteBuffer(string: "broken")
            _ = try await redis.send(RedisCommand("LPUSH", Self.processing, broken))
            _ = try await redis.send(RedisCommand("HSET", Self.keys.event(id: "evt_broken"), "f", "v"))
            try await takeAndLease(redis)
            let batch = [
                Settlement(entry: broken, step: .complete(EventLease(eventID: "evt_broken", token: "t"))),
                Settlement(entry: Self.entry, step: .complete(Self.lease)),
            ]
            await #expect(throws: RedisError.self, "expected the broken step's error to be thrown") {
                _ = try await queue.settle(batch)
            }
            let mark = try await redis.send(RedisCommand("GET", Self.eventKey)).string
            #expect(mark == "done", "expected the neighbour's done mark, saw \(String(describing: mark))")
            let left = try await redis.send(RedisCommand("LRANGE", Self.processing, 0, -1)).array?.compactMap(\.string)
            #expect(left == ["broken"], "expected only the broken entry left in the processing list, saw \(String(describing: left))")
        }
    }

    @Test func aBatchSentAgainAfterALostReplyChangesNothing() async throws {
        try await withQueue { queue, redis in
            for name in ["a", "b", "c"] { _ = try await redis.send(RedisCommand("LPUSH", Self.processing, name)) }
            let batch = [
                Settlement(entry: ByteBuffer(string: "a"), step: .schedule(ByteBuffer(string: "a2"), after: .seconds(60), releasing: nil)),
                Settlement(entry: ByteBuffer(string: "b"), step: .deadLetter(ByteBuffer(string: "{}"), releasing: nil)),
                Settlement(entry: ByteBuffer(string: "c"), step: .putBack(releasing: nil)),
            ]
            let first = try await queue.settle(batch)
            let again = try await queue.settle(batch)
            #expect(first == [.moved(true), .moved(true), .moved(true)], "expected every entry moved the first time, saw \(first)")
            #expect(again == [.moved(false), .moved(false), .moved(false)], "expected nothing moved the second time, saw \(again)")
            let counts = [
                try await count(redis, "ZCARD", Self.keys.scheduled), try await count(redis, "LLEN", Self.keys.dead),
                try await count(redis, "LLEN", Self.keys.events),
            ]
            #expect(counts == [1, 1, 1], "expected one scheduled, one dead, one pending, saw \(counts)")
        }
    }
}
