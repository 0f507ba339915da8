import AnimaQueue
import AnimaRedis
import NIOCore
import Testing

/// Pause per type: the set, parking an entry, and resume in the original order.
@Suite("Queue: paused types")
struct PausedTypesTests {
    static let keys = QueueKeys()
    static let processing = keys.processing(workerID: queueFixtureWorker)

    /// The worker's park step for `entry`: true when it was parked (false: put back because
    /// the type was resumed meanwhile, or no longer in our list).
    func park(_ queue: WorkerQueue, _ entry: String, type: String) async throws -> Bool {
        try await queue.settle([Settlement(entry: ByteBuffer(string: entry), step: .park(type: type, releasing: nil))]) == [.moved(true)]
    }

    @Test func pauseLastsInRedisAndResumeForgetsIt() async throws {
        try await withQueue { _, redis in
            let paused = PausedTypes(keys: Self.keys, client: redis)
            #expect(try await paused.pause("crm.sync"), "the first pause should report a change")
            let again = try await paused.pause("crm.sync")
            #expect(!again, "a second pause should report none")
            #expect(try await paused.types() == ["crm.sync"])
            let (wasPaused, _) = try await paused.resume("crm.sync")
            let left = try await paused.types()
            #expect(wasPaused && left.isEmpty, "expected no paused type after resume, saw \(left)")
        }
    }

    @Test func aParkedEntryIsParkedWhileItsTypeIsPausedAndPutBackOnceResumed() async throws {
        try await withQueue { queue, redis in
            let paused = PausedTypes(keys: Self.keys, client: redis)
            _ = try await redis.send(RedisCommand("LPUSH", Self.processing, "e1", "e2"))
            #expect(try await !park(queue, "e1", type: "t"), "expected e1 put back (resumed meanwhile), not parked")
            let pending = try await redis.send(RedisCommand("LRANGE", Self.keys.events, 0, -1)).array?.compactMap(\.string)
            #expect(pending == ["e1"], "expected e1 back on the pending list, saw \(String(describing: pending))")
            _ = try await redis.send(RedisCommand("LPUSH", Self.processing, "e1"))
            _ = try await paused.pause("t")
            #expect(try await park(queue, "e1", type: "t"), "expected e1 parked")
            #expect(try await !park(queue, "e1", type: "t"), "expected e1 not parked twice (no longer in our list)")
            let left = try await redis.send(RedisCommand("LRANGE", Self.processing, 0, -1)).array?.compactMap(\.string)
            #expect(left == ["e2"], "expected only e2 left in the processing list, saw \(String(describing: left))")
            #expect(try await paused.parked() == ["t": 1], "expected one parked event of t")
        }
    }

    @Test func resumedEventsAreTakenInTheirOriginalOrderBeforeNewerOnes() async throws {
        try await withQueue { queue, redis in
            let paused = PausedTypes(keys: Self.keys, client: redis)
            _ = try await paused.pause("t")
            for index in 1...5 {
                _ = try await redis.send(RedisCommand("LPUSH", Self.processing, "e\(index)"))
                _ = try await park(queue, "e\(index)", type: "t")
            }
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "newer"))
            let (_, released) = try await paused.resume("t")
            #expect(released == 5, "expected 5 events released, saw \(released)")
            var taken: [String] = []
            while let next = try await redis.send(RedisCommand("RPOP", Self.keys.events)).string { taken.append(next) }
            #expect(taken == ["e1", "e2", "e3", "e4", "e5", "newer"], "expected the parked events oldest first, then newer; saw \(taken)")
        }
    }
}
