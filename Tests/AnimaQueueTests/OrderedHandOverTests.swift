import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import NIOCore
import Testing

/// What each way out of the processing list does to the key an event holds: final outcomes
/// hand it to the next event of the key, the others keep it.
@Suite("Queue: ordered hand-over")
struct OrderedHandOverTests {
    typealias T = OrderedTakeTests
    static let keys = QueueKeys()

    enum Final: String, CaseIterable { case complete, acknowledge, deadLetter }

    /// e1 then e2 of key K; e1 is taken (holding K) and e2 waits.
    private func takeFirstOfTwo(_ queue: WorkerQueue, _ redis: RedisClient) async throws -> WorkerQueue.Taken<String> {
        try await T.push(redis, [T.event("e1", key: "K"), T.event("e2", key: "K")])
        let taken = try await T.take(queue)
        try #require(taken.map(\.parsed) == ["e1"], "expected only e1 taken, saw \(taken.map(\.parsed))")
        return taken[0]
    }

    private func step(_ final: Final, _ taken: WorkerQueue.Taken<String>) -> Settlement.Step {
        switch final {
        case .complete: .complete(taken.lease!)
        case .acknowledge: .acknowledge
        case .deadLetter: .deadLetter(ByteBuffer(string: "{}"), releasing: taken.lease)
        }
    }

    @Test(arguments: Final.allCases)
    func aFinalOutcomeHandsTheKeyToTheNextEvent(_ final: Final) async throws {
        try await withQueue { queue, redis in
            let first = try await takeFirstOfTwo(queue, redis)
            if final == .acknowledge {
                _ = try await redis.send(RedisCommand("SET", Self.keys.event(id: "e1"), "done"))
            }
            _ = try await queue.settle([Settlement(entry: first.stored, step: step(final, first), handover: first.hold)])
            let holder = try await T.string(redis, RedisCommand("GET", Self.keys.orderHeld(key: "K"))).map { String($0.dropFirst()) }
            #expect(holder == "e2", "expected e2 to hold K after e1's \(final), saw \(String(describing: holder))")
            let next = try await T.take(queue)
            #expect(next.map(\.parsed) == ["e2"], "expected e2 taken next, saw \(next.map(\.parsed))")
            let waiting = try await redis.send(RedisCommand("HLEN", Self.keys.orderWaits)).int
            #expect(waiting == 0, "expected nothing waiting, saw \(String(describing: waiting))")
        }
    }

    /// Another worker finished the event (its lease had expired), and no lease of the id runs:
    /// the late completion still hands the key on.
    @Test func aCompletionThatFindsItsEventAlreadyDoneHandsTheKeyToTheNextEvent() async throws {
        try await withQueue { queue, redis in
            let first = try await takeFirstOfTwo(queue, redis)
            _ = try await redis.send(RedisCommand("SET", Self.keys.event(id: "e1"), "done"))
            _ = try await queue.settle([Settlement(entry: first.stored, step: .complete(first.lease!), handover: first.hold)])
            let holder = try await T.string(redis, RedisCommand("GET", Self.keys.orderHeld(key: "K"))).map { String($0.dropFirst()) }
            #expect(holder == "e2", "expected e2 to hold K after e1's late completion, saw \(String(describing: holder))")
        }
    }

    @Test func onceEveryEventOfAKeyIsDoneNothingIsLeftForTheKey() async throws {
        try await withQueue { queue, redis in
            let first = try await takeFirstOfTwo(queue, redis)
            _ = try await queue.settle([Settlement(entry: first.stored, step: .complete(first.lease!), handover: first.hold)])
            let second = try await T.take(queue)[0]
            _ = try await queue.settle([Settlement(entry: second.stored, step: .complete(second.lease!), handover: second.hold)])
            let left = try await redis.send(RedisCommand("KEYS", "anima:ordered:*")).array?.compactMap(\.string)
            #expect(left == [], "expected no ordered keys left, saw \(String(describing: left))")
        }
    }

    @Test func aSettleOfAnEventThatNoLongerHoldsItsKeyLeavesTheHolder() async throws {
        try await withQueue { queue, redis in
            try await T.push(redis, [T.event("e1", key: "K"), T.event("e2", key: "K"), T.event("e3", key: "K")])
            let first = try await T.take(queue)[0]
            _ = try await queue.settle([Settlement(entry: first.stored, step: .complete(first.lease!), handover: first.hold)])
            _ = try await queue.settle([Settlement(entry: first.stored, step: .acknowledge, handover: first.hold)])
            let held = try await T.string(redis, RedisCommand("GET", Self.keys.orderHeld(key: "K")))
            #expect(held == "1e2", "expected e2 to keep K with e3 waiting (1e2), saw \(String(describing: held))")
        }
    }

    @Test func aRetryKeepsTheKeyAndRunsBeforeTheEventsBehindIt() async throws {
        try await withQueue { queue, redis in
            let first = try await takeFirstOfTwo(queue, redis)
            let retry = QueueEntry.encode(body: QueueEntry(stored: first.stored).body, attempts: 1)
            _ = try await queue.settle([
                Settlement(entry: first.stored, step: .schedule(retry, after: .milliseconds(1), releasing: first.lease))
            ])
            let holder = try await T.string(redis, RedisCommand("GET", Self.keys.orderHeld(key: "K"))).map { String($0.dropFirst()) }
            #expect(holder == "e1", "expected e1 to keep K through its retry, saw \(String(describing: holder))")
            try await Task.sleep(for: .milliseconds(5))
            _ = try await queue.promoteDueRetries()
            let next = try await T.take(queue)
            #expect(next.map(\.parsed) == ["e1"], "expected e1's retry taken, e2 still waiting; saw \(next.map(\.parsed))")
        }
    }

    @Test func aPutBackAndAParkKeepTheKey() async throws {
        try await withQueue { queue, redis in
            let first = try await takeFirstOfTwo(queue, redis)
            _ = try await queue.settle([Settlement(entry: first.stored, step: .putBack(releasing: first.lease))])
            let again = try await T.take(queue)
            #expect(again.map(\.parsed) == ["e1"], "expected e1 taken again after its put-back, saw \(again.map(\.parsed))")
            _ = try await redis.send(RedisCommand("SADD", Self.keys.paused, "resource.updated"))
            _ = try await queue.settle([
                Settlement(entry: again[0].stored, step: .park(type: "resource.updated", releasing: again[0].lease))
            ])
            let holder = try await T.string(redis, RedisCommand("GET", Self.keys.orderHeld(key: "K"))).map { String($0.dropFirst()) }
            #expect(holder == "e1", "expected the parked e1 to keep K, saw \(String(describing: holder))")
            _ = try await PausedTypes(keys: Self.keys, client: redis).resume("resource.updated")
            let resumed = try await T.take(queue)
            #expect(resumed.map(\.parsed) == ["e1"], "expected e1 first after resume, saw \(resumed.map(\.parsed))")
        }
    }

    /// A killed holder's event comes back through recovery and runs before the events behind it.
    @Test func aRecoveredHolderRunsBeforeTheEventsBehindIt() async throws {
        try await withQueue { queue, redis in
            _ = try await queue.heartbeat(WorkerHeartbeat(pid: 1, concurrency: 1, started: "x"), ttl: .seconds(30))
            _ = try await takeFirstOfTwo(queue, redis)
            _ = try await redis.send(RedisCommand("DEL", Self.keys.worker(id: queueFixtureWorker)))
            let recovered = try await queue.recoverDeadWorkers()
            #expect(recovered == 1, "expected e1 recovered, saw \(recovered)")
            let next = try await T.take(queue)
            #expect(next.map(\.parsed) == ["e1"], "expected the recovered e1 taken, e2 still waiting; saw \(next.map(\.parsed))")
        }
    }

    /// A dead letter replayed later is a new arrival: it waits behind the key's newer events.
    @Test func aReplayedDeadLetterWaitsBehindNewerEventsOfItsKey() async throws {
        try await withQueue { queue, redis in
            let first = try await takeFirstOfTwo(queue, redis)
            _ = try await queue.settle([
                Settlement(entry: first.stored, step: .deadLetter(ByteBuffer(string: "{}"), releasing: first.lease), handover: first.hold)
            ])
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, T.event("e1", key: "K")))
            let next = try await T.take(queue)
            #expect(next.map(\.parsed) == ["e2"], "expected e2 (which now holds K) taken and the replay waiting; saw \(next.map(\.parsed))")
            let waits = try await T.string(redis, RedisCommand("HGET", Self.keys.orderWaits, "e1"))
            #expect(waits == "K", "expected the replayed e1 waiting for K, saw \(String(describing: waits))")
        }
    }

    /// An operator deleting the retry of the event that holds a key (the dashboard's retries
    /// page) hands the key to the next event, with the path the live workers use.
    @Test func deletingTheRetryOfAHolderHandsItsKeyOver() async throws {
        try await withQueue { queue, redis in
            let beat = WorkerHeartbeat(pid: 1, concurrency: 1, started: "x", orderKey: "data.id")
            #expect(try await queue.register(beat, ttl: .seconds(30)) == .registered)
            let first = try await takeFirstOfTwo(queue, redis)
            let retry = QueueEntry.encode(body: QueueEntry(stored: first.stored).body, attempts: 1)
            _ = try await queue.settle([
                Settlement(entry: first.stored, step: .schedule(retry, after: .seconds(60), releasing: first.lease))
            ])
            let deleted = try await RetrySet(keys: Self.keys, client: redis).delete(retry)
            #expect(deleted, "expected the retry to be deleted")
            let holder = try await T.string(redis, RedisCommand("GET", Self.keys.orderHeld(key: "K"))).map { String($0.dropFirst()) }
            #expect(holder == "e2", "expected e2 to hold K once e1's retry was deleted, saw \(String(describing: holder))")
        }
    }

    @Test func registrationIsRefusedWhileALiveWorkerUsesAnotherOrderKey() async throws {
        try await withQueue { queue, redis in
            let other = WorkerQueue(keys: Self.keys, workerID: "w-other", operations: redis, fetcher: redis)
            let theirs = WorkerHeartbeat(pid: 2, concurrency: 1, started: "x", orderKey: "data.id")
            #expect(try await other.register(theirs, ttl: .seconds(30)) == .registered)
            let ours = WorkerHeartbeat(pid: 1, concurrency: 1, started: "x", orderKey: nil)
            let answer = try await queue.register(ours, ttl: .seconds(30))
            #expect(answer == .refused(workerID: "w-other", orderKey: "data.id"), "saw \(answer)")
        }
    }
}
