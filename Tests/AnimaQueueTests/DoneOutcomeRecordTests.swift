import AnimaQueue
import AnimaRedis
import NIOCore
import Testing

/// The outcome of an event whose done mark the settle writes goes into the history at the
/// mark's millisecond, with no index of its own: `events show` finds it through the mark.
@Suite("Queue: an outcome recorded with the done mark")
struct DoneOutcomeRecordTests {
    static let keys = QueueKeys()
    static let processing = keys.processing(workerID: queueFixtureWorker)

    static func record(_ id: String, _ result: HistoryRecord.Result, attempt: Int) -> HistoryRecord {
        HistoryRecord(
            eventID: id, type: "t", attempt: attempt, result: result, durationMilliseconds: 1, error: nil, worker: "w-test", at: 0,
            dueAt: nil)
    }

    /// Takes `id` into the processing list with a lease; the settlement of its success.
    static func leased(_ redis: RedisClient, _ id: String) async throws -> Settlement {
        let entry = ByteBuffer(string: #"{"id":"\#(id)","type":"t"}"#)
        let lease = EventLease(eventID: id, token: "lease:w-test:\(id)")
        _ = try await redis.send(RedisCommand("LPUSH", processing, entry))
        _ = try await redis.send(RedisCommand("SET", keys.event(id: id), lease.token, "PX", "60000"))
        return Settlement(entry: entry, step: .complete(lease))
    }

    static func complete(_ queue: WorkerQueue, _ settlement: Settlement, _ record: HistoryRecord, again: Bool = false) async throws {
        let history = HistoryBatch([.init(record: record, digest: nil, final: true)])
        _ = try await queue.settle([settlement], recording: history, maxLength: 1_000, again: again)
    }

    static func attempts(_ redis: RedisClient, _ id: String) async throws -> [HistoryRecord] {
        try await EventHistory(keys: keys, client: redis).attempts(of: id)
    }

    @Test func aFirstSuccessIsFoundThroughItsDoneMarkWithNoIndex() async throws {
        try await withQueue { queue, redis in
            try await Self.complete(queue, try await Self.leased(redis, "evt_1"), Self.record("evt_1", .ok, attempt: 1))
            let index = try await redis.send(RedisCommand("EXISTS", Self.keys.history(id: "evt_1"))).int
            #expect(index == 0, "expected no index key for evt_1, saw EXISTS \(String(describing: index))")
            let read = try await Self.attempts(redis, "evt_1")
            #expect(read == [Self.record("evt_1", .ok, attempt: 1)], "expected evt_1's ok, saw \(read)")
        }
    }

    @Test func theDoneMarkLivesSevenDaysFromTheRecordsMillisecond() async throws {
        try await withQueue { queue, redis in
            try await Self.complete(queue, try await Self.leased(redis, "evt_1"), Self.record("evt_1", .ok, attempt: 1))
            let expiry = try await redis.send(RedisCommand("PEXPIRETIME", Self.keys.event(id: "evt_1"))).int ?? -1
            let entry = try await redis.send(RedisCommand("XRANGE", Self.keys.history, "-", "+")).array?.first?.array?.first?.string
            let millisecond = entry?.split(separator: "-").first.flatMap { Int($0) }
            #expect(
                millisecond.map { expiry - $0 } == WorkerQueue.doneTTLSeconds * 1000,
                "expected the mark to expire 7 days after entry \(entry ?? "none"), saw \(expiry)")
        }
    }

    @Test func aRetriedEventListsItsIndexedFailureThenItsSuccessInOrder() async throws {
        try await withQueue { queue, redis in
            let settlement = try await Self.leased(redis, "evt_r")
            _ = try await redis.send(
                Self.record("evt_r", .retry, attempt: 1).command(keys: Self.keys, maxLength: 1_000, digest: nil, final: false))
            try await Self.complete(queue, settlement, Self.record("evt_r", .ok, attempt: 2))
            let read = try await Self.attempts(redis, "evt_r").map(\.attempt)
            #expect(read == [1, 2], "expected attempts [1, 2], saw \(read)")
        }
    }

    @Test func aSettleSentAgainAfterItsFirstCallRanRecordsTheSuccessOnce() async throws {
        try await withQueue { queue, redis in
            let settlement = try await Self.leased(redis, "evt_a")
            try await Self.complete(queue, settlement, Self.record("evt_a", .ok, attempt: 1))
            try await Self.complete(queue, settlement, Self.record("evt_a", .ok, attempt: 1), again: true)
            let records = try await redis.send(RedisCommand("XLEN", Self.keys.history)).int
            #expect(records == 1, "expected evt_a's success recorded once, saw \(String(describing: records)) records")
        }
    }

    /// After a failover to a server whose clock is behind, the stream's newest entry may be
    /// later than the settle's time: the success then goes in as usual, with an index.
    @Test func aSuccessAfterALaterEntryIsIndexedAndFound() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("XADD", Self.keys.history, "99999999999999-0", "r", "{}"))
            try await Self.complete(queue, try await Self.leased(redis, "evt_l"), Self.record("evt_l", .ok, attempt: 1))
            let read = try await Self.attempts(redis, "evt_l")
            #expect(read == [Self.record("evt_l", .ok, attempt: 1)], "expected evt_l's ok, saw \(read)")
            let index = try await redis.send(RedisCommand("EXISTS", Self.keys.history(id: "evt_l"))).int
            #expect(index == 1, "expected evt_l indexed, saw EXISTS \(String(describing: index))")
        }
    }

    @Test func anotherEventsSuccessInTheSameMillisecondIsNotListed() async throws {
        try await withQueue { queue, redis in
            let (one, two) = (try await Self.leased(redis, "evt_x"), try await Self.leased(redis, "evt_y"))
            let history = HistoryBatch([
                .init(record: Self.record("evt_x", .ok, attempt: 1), digest: nil, final: true),
                .init(record: Self.record("evt_y", .ok, attempt: 1), digest: nil, final: true),
            ])
            _ = try await queue.settle([one, two], recording: history, maxLength: 1_000)
            let read = try await Self.attempts(redis, "evt_x").map(\.eventID)
            #expect(read == ["evt_x"], "expected only evt_x's outcome, saw \(read)")
        }
    }
}
