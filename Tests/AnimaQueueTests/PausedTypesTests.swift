import AnimaQueue
import AnimaRedis
import NIOCore
import Testing

/// Pause per type: the set, parking an entry, and resume in the original order.
@Suite("Queue: paused types")
struct PausedTypesTests {
    static let keys = QueueKeys()
    static let processing = keys.processing(workerID: queueFixtureWorker)

    func park(_ redis: RedisClient, _ entry: String, type: String) async throws -> Int {
        try await redis.withConnection { connection throws(RedisError) in
            try connection.evaluate(
                PausedTypes.park,
                keys: [Self.processing, Self.keys.paused, Self.keys.paused(type: type), Self.keys.events],
                arguments: [entry, type]
            ).int ?? -1
        }
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
        try await withQueue { _, redis in
            let paused = PausedTypes(keys: Self.keys, client: redis)
            _ = try await redis.send(RedisCommand("LPUSH", Self.processing, "e1", "e2"))
            #expect(try await park(redis, "e1", type: "t") == 0, "expected 0 (resumed meanwhile): put back, not parked")
            let pending = try await redis.send(RedisCommand("LRANGE", Self.keys.events, 0, -1)).array?.compactMap(\.string)
            #expect(pending == ["e1"], "expected e1 back on the pending list, saw \(String(describing: pending))")
            _ = try await redis.send(RedisCommand("LPUSH", Self.processing, "e1"))
            _ = try await paused.pause("t")
            #expect(try await park(redis, "e1", type: "t") == 1, "expected 1 (parked)")
            #expect(try await park(redis, "e1", type: "t") == 2, "expected 2 (no longer in our list)")
            let left = try await redis.send(RedisCommand("LRANGE", Self.processing, 0, -1)).array?.compactMap(\.string)
            #expect(left == ["e2"], "expected only e2 left in the processing list, saw \(String(describing: left))")
            #expect(try await paused.parked() == ["t": 1], "expected one parked event of t")
        }
    }

    @Test func resumedEventsAreTakenInTheirOriginalOrderBeforeNewerOnes() async throws {
        try await withQueue { _, redis in
            let paused = PausedTypes(keys: Self.keys, client: redis)
            _ = try await paused.pause("t")
            for index in 1...5 {
                _ = try await redis.send(RedisCommand("LPUSH", Self.processing, "e\(index)"))
                _ = try await park(redis, "e\(index)", type: "t")
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
