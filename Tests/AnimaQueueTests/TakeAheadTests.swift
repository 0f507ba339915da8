import AnimaQueue
import AnimaRedis
import NIOCore
import Testing

/// Taking a round ahead: a full batch's claims go in one round trip with the next round's take;
/// the next round claims what was taken ahead, in its order.
@Suite("Queue: taking a round ahead")
struct TakeAheadTests {
    static let keys = QueueKeys()
    static let processing = keys.processing(workerID: queueFixtureWorker)

    /// One round; the entries are their own ids, or events parsed as ``OrderedTakeTests`` does.
    private func round(
        _ queue: WorkerQueue, ahead: TakenAhead = .none, limit: Int, next: Int, order: OrderKeyPath? = nil
    ) async throws -> WorkerQueue.Round<String> {
        try await queue.takeRound(
            ahead: ahead, next: next, limit: limit, block: .milliseconds(100), waitFirst: false, order: order,
            lease: .seconds(30), token: { "lease:\(queue.workerID):1" },
            parse: { stored in
                let parts = String(buffer: QueueEntry(stored: stored).body).split(separator: "\"")
                let id = parts.count > 3 ? String(parts[3]) : String(buffer: stored)
                return (id, id)
            },
            admit: { _ in nil })
    }

    private func marks(_ redis: RedisClient, _ ids: [String]) async throws -> [String?] {
        try await redis.send(RedisCommand("MGET", arguments: ids.map { Self.keys.event(id: $0) })).array?.map(\.string) ?? []
    }

    @Test func aFullBatchTakesTheNextRoundAheadUnclaimed() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "a", "b", "c", "d", "e"))
            let first = try await round(queue, limit: 2, next: 2)
            #expect(first.taken.map(\.parsed) == ["a", "b"], "expected [a, b] taken, saw \(first.taken.map(\.parsed))")
            #expect(first.taken.allSatisfy { $0.claim == .claimed }, "expected a and b claimed, saw \(first.taken.map(\.claim))")
            let ahead = first.ahead.entries.map { String(buffer: $0) }
            #expect(ahead == ["c", "d"], "expected [c, d] taken ahead, saw \(ahead)")
            #expect(!first.ahead.drained && first.failure == nil, "expected a full take ahead and no failure")
            let marks = try await marks(redis, ["c", "d"])
            #expect(marks == [nil, nil], "expected c and d not claimed yet, saw marks \(marks)")
            let processing = try await redis.send(RedisCommand("LLEN", Self.processing)).int
            #expect(processing == 4, "expected 4 entries in the processing list, saw \(String(describing: processing))")
        }
    }

    @Test func theNextRoundClaimsWhatWasTakenAheadAndTakesTheRest() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "a", "b", "c", "d", "e"))
            let first = try await round(queue, limit: 2, next: 2)
            let second = try await round(queue, ahead: first.ahead, limit: 2, next: 2)
            #expect(second.taken.map(\.parsed) == ["c", "d"], "expected [c, d] claimed from the ahead, saw \(second.taken.map(\.parsed))")
            #expect(second.taken.allSatisfy { $0.claim == .claimed }, "expected c and d claimed, saw \(second.taken.map(\.claim))")
            let ahead = second.ahead.entries.map { String(buffer: $0) }
            #expect(ahead == ["e"], "expected [e] taken ahead, saw \(ahead)")
            #expect(second.ahead.drained, "expected the take ahead to say the queue ran dry (1 of 2)")
        }
    }

    @Test func aBatchThatDoesNotComeFullTakesNothingAhead() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "a"))
            let first = try await round(queue, limit: 2, next: 2)
            #expect(first.taken.map(\.parsed) == ["a"], "expected [a] taken, saw \(first.taken.map(\.parsed))")
            #expect(first.ahead.isEmpty, "expected nothing taken ahead, saw \(first.ahead.entries.count) entries")
        }
    }

    /// Taken ahead, an ordered event holds its key as a taken one does: the next event of the
    /// key waits, and the claim from the ahead carries the hold.
    @Test func anOrderedRoundTakenAheadHoldsItsKeys() async throws {
        try await withQueue { queue, redis in
            let path = OrderKeyPath("data.id")!
            try await OrderedTakeTests.push(
                redis,
                [
                    OrderedTakeTests.event("a1", key: "A"), OrderedTakeTests.event("b1", key: "B"),
                    OrderedTakeTests.event("c1", key: "C"), OrderedTakeTests.event("a2", key: "A"),
                ])
            let first = try await round(queue, limit: 2, next: 2, order: path)
            #expect(first.taken.map(\.parsed) == ["a1", "b1"], "expected [a1, b1] taken, saw \(first.taken.map(\.parsed))")
            let second = try await round(queue, ahead: first.ahead, limit: 2, next: 2, order: path)
            #expect(
                second.taken.map(\.parsed) == ["c1"], "expected [c1] from the ahead (a2 waits for A), saw \(second.taken.map(\.parsed))")
            #expect(
                second.taken.map(\.hold) == [OrderHold(key: "C", eventID: "c1")], "expected c1 to hold C, saw \(second.taken.map(\.hold))")
            let waiting = try await redis.send(RedisCommand("LLEN", Self.keys.orderWaiting(key: "A"))).int
            #expect(waiting == 2, "expected a2 waiting for A (id and entry), saw \(String(describing: waiting)) items")
        }
    }
}
