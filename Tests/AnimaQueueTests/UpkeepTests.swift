import AnimaQueue
import AnimaRedis
import NIOCore
import Testing

/// The queue's periodic steps: due retries promoted, the events of dead workers recovered with
/// the lost attempt counted, a clean stop deregistering.
@Suite("Queue: promotion and recovery")
struct UpkeepTests {
    static let keys = QueueKeys()

    @Test func dueRetriesArePromotedAndLaterOnesWait() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("ZADD", Self.keys.scheduled, "0", "due", "99999999999999", "later"))
            let promoted = try await queue.promoteDueRetries()
            #expect(promoted == 1, "expected 1 promoted, saw \(promoted)")
            let pending = try await redis.send(RedisCommand("LRANGE", Self.keys.events, 0, -1)).array?.compactMap(\.string)
            #expect(pending == ["due"], "expected [due] pending, saw \(String(describing: pending))")
            let waiting = try await redis.send(RedisCommand("ZRANGE", Self.keys.scheduled, 0, -1)).array?.compactMap(\.string)
            #expect(waiting == ["later"], "expected [later] still scheduled, saw \(String(describing: waiting))")
        }
    }

    @Test func eventsOfAWorkerWithoutHeartbeatReturnWithTheAttemptCounted() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("SADD", Self.keys.workers, "w-dead", "w-live"))
            _ = try await redis.send(RedisCommand("SET", Self.keys.worker(id: "w-live"), "{}"))
            _ = try await redis.send(
                RedisCommand(
                    "LPUSH", Self.keys.processing(workerID: "w-dead"), "fresh",
                    QueueEntry.encode(body: ByteBuffer(string: "tried"), attempts: 2)))
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.processing(workerID: "w-live"), "running"))
            let recovered = try await queue.recoverDeadWorkers()
            #expect(recovered == 2, "expected 2 recovered, saw \(recovered)")
            let pending = (try await redis.send(RedisCommand("LRANGE", Self.keys.events, 0, -1)).array ?? []).compactMap(\.bytes).map(
                QueueEntry.init(stored:))
            let seen = pending.map { "\(String(buffer: $0.body)):\($0.attempts)" }.sorted()
            #expect(seen == ["fresh:1", "tried:3"], "expected [fresh:1, tried:3] (body:attempts), saw \(seen)")
            #expect(
                try await redis.send(RedisCommand("LLEN", Self.keys.processing(workerID: "w-live"))).int == 1,
                "a live worker's event was taken")
            let workers = try await redis.send(RedisCommand("SMEMBERS", Self.keys.workers)).array?.compactMap(\.string)
            #expect(workers == ["w-live"], "expected only w-live registered, saw \(String(describing: workers))")
        }
    }

    @Test func heartbeatIsReadBackByTheStats() async throws {
        try await withQueue { queue, redis in
            let beat = WorkerHeartbeat(pid: 4242, concurrency: 3, started: "2026-12-01T00:00:00Z")
            try await queue.heartbeat(beat, ttl: .seconds(30))
            let stats = try await QueueStats.read(keys: Self.keys, client: redis)
            let worker = stats.workerList.first
            #expect(
                stats.workers == 1 && worker?.pid == 4242 && worker?.concurrency == 3,
                "expected one worker with pid 4242 and concurrency 3, saw \(stats.workerList)")
            #expect(worker?.heartbeatAgeSeconds != nil, "expected a heartbeat age")
        }
    }

    @Test func deregisterReturnsWhatIsLeftAndForgetsTheWorker() async throws {
        try await withQueue { queue, redis in
            try await queue.heartbeat(WorkerHeartbeat(pid: 1, concurrency: 1, started: ""), ttl: .seconds(30))
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.processing(workerID: queueFixtureWorker), "left"))
            let returned = try await queue.deregister()
            #expect(returned == 1, "expected 1 returned, saw \(returned)")
            #expect(try await redis.send(RedisCommand("SCARD", Self.keys.workers)).int == 0, "the worker is still registered")
            #expect(
                try await redis.send(RedisCommand("EXISTS", Self.keys.worker(id: queueFixtureWorker))).int == 0,
                "the heartbeat is still there")
        }
    }

    @Test func scriptsFlushedUnderALiveConnectionAreLoadedAgain() async throws {
        try await withQueue { queue, redis in
            _ = try await queue.promoteDueRetries()
            _ = try await redis.send(RedisCommand("SCRIPT", "FLUSH"))
            let promoted = try await queue.promoteDueRetries()
            #expect(promoted == 0, "expected the script to run again after SCRIPT FLUSH, saw \(promoted)")
        }
    }
}
