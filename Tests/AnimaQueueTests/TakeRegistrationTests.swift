import AnimaQueue
import AnimaRedis
import NIOCore
import Testing

/// A take registers its worker in the step that moves events into its processing list: a
/// worker that recovery forgot while it lived (its heartbeat expired in an outage) is
/// registered again before it holds anything, so its list is recovered if it then dies.
@Suite("Queue: a take registers its worker")
struct TakeRegistrationTests {
    static let keys = QueueKeys()

    private func registered(_ redis: RedisClient) async throws -> Bool {
        try await redis.send(RedisCommand("SISMEMBER", Self.keys.workers, queueFixtureWorker)).int == 1
    }

    private func take(_ queue: WorkerQueue, waitFirst: Bool, order: OrderKeyPath? = nil) async throws -> [WorkerQueue.Taken<String>] {
        try await queue.takeAndClaim(
            limit: 10, block: .milliseconds(100), waitFirst: waitFirst, order: order, lease: .seconds(30), token: { "lease:w-test:1" },
            parse: { stored in (String(buffer: stored), nil) })
    }

    @Test(arguments: [false, true])
    func aPlainTakeRegistersTheWorkerItMovesEventsFor(waitFirst: Bool) async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "a", "b"))
            let taken = try await take(queue, waitFirst: waitFirst)
            #expect(taken.count == 2, "expected 2 taken, saw \(taken.count)")
            #expect(try await registered(redis), "expected \(queueFixtureWorker) in \(Self.keys.workers) after its take")
        }
    }

    @Test func anOrderedTakeRegistersTheWorkerItMovesEventsFor() async throws {
        try await withQueue { queue, redis in
            try await OrderedTakeTests.push(redis, [OrderedTakeTests.event("a1", key: "A")])
            let taken = try await take(queue, waitFirst: false, order: OrderKeyPath("data.id")!)
            #expect(taken.count == 1, "expected 1 taken, saw \(taken.count)")
            #expect(try await registered(redis), "expected \(queueFixtureWorker) in \(Self.keys.workers) after its take")
        }
    }

    @Test func aTakeOfNothingRegistersNobody() async throws {
        try await withQueue { queue, redis in
            _ = try await take(queue, waitFirst: false)
            #expect(try await !registered(redis), "expected no registration from a take that moved nothing")
        }
    }
}
