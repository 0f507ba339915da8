import AnimaQueue
import AnimaRedis
import NIOCore
import Testing

/// The reliable take and the claims sent with it: entries move to the worker's processing
/// list, and every id the parser names is claimed in the same visit.
@Suite("Queue: take and claim")
struct TakeAndClaimTests {
    static let keys = QueueKeys()
    static let processing = keys.processing(workerID: queueFixtureWorker)

    private func take(_ queue: WorkerQueue, limit: Int = 10, waitFirst: Bool = false) async throws -> [WorkerQueue.Taken<String>] {
        try await queue.takeAndClaim(
            limit: limit,
            block: .milliseconds(100),
            waitFirst: waitFirst,
            lease: .seconds(30),
            token: { "lease:w-test:1" },
            parse: { stored in (String(buffer: stored), String(buffer: stored)) }
        )
    }

    /// Waiting first (after a take that emptied the queue), the first entry comes from the
    /// blocking move and the rest from the take sent with its claim: the same entries, in order.
    @Test(arguments: [false, true])
    func takeMovesTheOldestPendingEntriesToTheProcessingList(waitFirst: Bool) async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "a", "b", "c"))
            let taken = try await take(queue, limit: 2, waitFirst: waitFirst)
            #expect(taken.map(\.parsed) == ["a", "b"], "expected the two oldest entries [a, b], saw \(taken.map(\.parsed))")
            #expect(taken.allSatisfy { $0.claim == .claimed }, "expected each claimed, saw \(taken.map(\.claim))")
            let pending = try await redis.send(RedisCommand("LRANGE", Self.keys.events, 0, -1)).array?.compactMap(\.string)
            #expect(pending == ["c"], "expected [c] still pending, saw \(String(describing: pending))")
            let processing = try await redis.send(RedisCommand("LLEN", Self.processing)).int
            #expect(processing == 2, "expected 2 entries in the processing list, saw \(String(describing: processing))")
        }
    }

    /// A take larger than one `LPUSH` of the script (500 entries), and than Lua's `unpack`
    /// (8,000), keeps the stored order, in what it answers and in the processing list (the
    /// oldest at its tail).
    @Test func aTakeOfMoreEntriesThanOneUnpackHoldsKeepsTheirOrder() async throws {
        try await withQueue { queue, redis in
            let entries = (0..<9_000).map { "e\($0)" }
            _ = try await redis.send(RedisCommand("LPUSH", arguments: [Self.keys.events] + entries))
            let taken = try await take(queue, limit: 9_000)
            #expect(
                taken.map(\.parsed) == entries, "expected e0…e8999 in order, saw \(taken.count) starting \(taken.prefix(3).map(\.parsed))")
            let processing = try await redis.send(RedisCommand("LRANGE", Self.processing, 0, -1)).array?.compactMap(\.string)
            #expect(processing == entries.reversed(), "expected the processing list newest first, saw \(processing?.prefix(3) ?? [])…")
        }
    }

    @Test func takeOfAnEmptyQueueReturnsNothingAfterItsBlockTime() async throws {
        try await withQueue { queue, _ in
            let taken = try await take(queue)
            #expect(taken.isEmpty, "expected nothing taken, saw \(taken.map(\.parsed))")
        }
    }

    @Test func takeThatWaitsFirstWithALimitOfOneTakesOne() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "a", "b"))
            let taken = try await take(queue, limit: 1, waitFirst: true)
            #expect(taken.map(\.parsed) == ["a"], "expected [a], saw \(taken.map(\.parsed))")
            let pending = try await redis.send(RedisCommand("LLEN", Self.keys.events)).int
            #expect(pending == 1, "expected 1 entry still pending, saw \(String(describing: pending))")
        }
    }

    @Test func takeThatWaitsFirstOnAnEmptyQueueReturnsNothingAfterItsBlockTime() async throws {
        try await withQueue { queue, _ in
            let taken = try await take(queue, waitFirst: true)
            #expect(taken.isEmpty, "expected nothing taken, saw \(taken.map(\.parsed))")
        }
    }

    @Test func takenIdIsClaimedWithTheTokenOfItsLease() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "evt_1"))
            let taken = try await take(queue)
            #expect(taken.first?.claim == .claimed, "expected .claimed, saw \(String(describing: taken.first?.claim))")
            #expect(taken.first?.lease == EventLease(eventID: "evt_1", token: "lease:w-test:1"))
            let mark = try await redis.send(RedisCommand("GET", Self.keys.event(id: "evt_1"))).string
            #expect(mark == "lease:w-test:1", "expected our token on the event, saw \(String(describing: mark))")
        }
    }

    @Test func takenIdWithADoneMarkIsAlreadyDone() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("SET", Self.keys.event(id: "evt_1"), "done"))
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "evt_1"))
            let claim = try await take(queue).first?.claim
            #expect(claim == .alreadyDone, "expected .alreadyDone, saw \(String(describing: claim))")
        }
    }

    @Test func takenIdLeasedByAnotherWorkerIsHeldElsewhere() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("SET", Self.keys.event(id: "evt_1"), "lease:other:1"))
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "evt_1"))
            let claim = try await take(queue).first?.claim
            #expect(claim == .heldElsewhere, "expected .heldElsewhere, saw \(String(describing: claim))")
            let mark = try await redis.send(RedisCommand("GET", Self.keys.event(id: "evt_1"))).string
            #expect(mark == "lease:other:1", "expected the other worker's lease to stay, saw \(String(describing: mark))")
        }
    }

    @Test func entryTheParserNamesNoIdForIsTakenUnclaimed() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "not json"))
            let taken = try await queue.takeAndClaim(
                limit: 1, block: .milliseconds(100), lease: .seconds(30), token: { "lease:w-test:1" },
                parse: { stored in (String(buffer: stored), nil) }
            )
            #expect(
                taken.count == 1 && taken[0].claim == nil && taken[0].lease == nil,
                "expected one unclaimed entry, saw \(taken.map { ($0.parsed, $0.claim) })")
        }
    }

    @Test func claimOutsideATakeAnswersLikeTheTakesClaim() async throws {
        try await withQueue { queue, redis in
            let lease = EventLease(eventID: "evt_1", token: "lease:w-test:r1")
            let first = try await queue.claim(lease, for: .seconds(30))
            #expect(first == .claimed, "expected .claimed, saw \(first)")
            let second = try await queue.claim(EventLease(eventID: "evt_1", token: "lease:w-test:r2"), for: .seconds(30))
            #expect(second == .heldElsewhere, "expected .heldElsewhere for a second lease, saw \(second)")
            _ = try await redis.send(RedisCommand("SET", Self.keys.event(id: "evt_1"), "done"))
            let third = try await queue.claim(lease, for: .seconds(30))
            #expect(third == .alreadyDone, "expected .alreadyDone after the done mark, saw \(third)")
        }
    }

    @Test func aBatchIsTakenInOneScriptCallAndClaimedInOneMore() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "warm-up"))
            _ = try await take(queue)
            _ = try await redis.send(RedisCommand("CONFIG", "RESETSTAT"))
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "evt_1", "evt_2", "evt_3", "evt_4", "evt_5"))
            let taken = try await take(queue)
            let claims = taken.map(\.claim)
            #expect(claims == Array(repeating: .claimed, count: 5), "expected five claims, saw \(claims)")
            let calls = try await scriptCalls(redis)
            #expect(calls == 2, "expected two script calls (take, claims), saw \(calls)")
        }
    }

    @Test func aDuplicateIdInOneBatchSeesTheFirstsLease() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "evt_1", "evt_1"))
            let claims = try await take(queue).map(\.claim)
            #expect(claims == [.claimed, .heldElsewhere], "expected [claimed, heldElsewhere], saw \(claims)")
        }
    }

    @Test func aClaimThatFailsLeavesItsNeighboursClaimed() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("HSET", Self.keys.event(id: "evt_2"), "f", "v"))
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "evt_1", "evt_2", "evt_3"))
            let taken = try await take(queue)
            let claims = taken.map(\.claim)
            #expect(claims == [.claimed, nil, .claimed], "expected [claimed, no answer, claimed], saw \(claims)")
            #expect(taken.count == 3 && taken[1].lease == nil, "expected no lease for the claim without an answer")
        }
    }

    @Test func theFirstEventWaitedForIsClaimedByOneScriptCallBesideTheTakeOfTheRest() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "warm-up"))
            _ = try await take(queue, waitFirst: true)
            _ = try await redis.send(RedisCommand("CONFIG", "RESETSTAT"))
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, "evt_1"))
            let taken = try await take(queue, waitFirst: true)
            let info = try await redis.send(RedisCommand("INFO", "commandstats")).string ?? ""
            let blmoves = info.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("cmdstat_blmove:calls=1,") }.count
            let calls = try await scriptCalls(redis)
            #expect(taken.map(\.claim) == [.claimed], "expected evt_1 claimed, saw \(taken.map(\.claim))")
            #expect(
                blmoves == 1 && calls == 2,
                "expected one BLMOVE and two script calls (claim, take of the rest), saw \(blmoves) and \(calls)")
        }
    }
}
