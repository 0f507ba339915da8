import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import NIOCore
import Testing

/// Ordered events at the queue's level: the take admits one event per key and sends the
/// others to the key's waiting list; final outcomes hand the key over.
@Suite("Queue: ordered take and hand-over")
struct OrderedTakeTests {
    static let keys = QueueKeys()
    static let path = OrderKeyPath("data.id")!

    static func event(_ id: String, key: String?, type: String = "resource.updated") -> String {
        let data = key.map { #"{"id":"\#($0)"}"# } ?? "{}"
        return #"{"id":"\#(id)","type":"\#(type)","data":\#(data)}"#
    }

    /// Takes with the ordered script; `parse` names each entry's id, as the worker does.
    static func take(_ queue: WorkerQueue, limit: Int = 10, waitFirst: Bool = false) async throws -> [WorkerQueue.Taken<String>] {
        try await queue.takeAndClaim(
            limit: limit,
            block: .milliseconds(100),
            waitFirst: waitFirst,
            order: path,
            lease: .seconds(30),
            token: { "lease:\(queue.workerID):1" },
            parse: { stored in
                let parts = String(buffer: QueueEntry(stored: stored).body).split(separator: "\"")
                let id = parts.count > 3 ? String(parts[3]) : "malformed"
                return (id, parts.count > 3 ? id : nil)
            }
        )
    }

    static func push(_ redis: RedisClient, _ bodies: [String]) async throws {
        for body in bodies { _ = try await redis.send(RedisCommand("LPUSH", keys.events, body)) }
    }

    static func string(_ redis: RedisClient, _ command: RedisCommand) async throws -> String? {
        try await redis.send(command).string
    }

    @Test(arguments: [false, true])
    func onlyTheOldestEventOfAKeyIsTakenAndTheOthersWait(waitFirst: Bool) async throws {
        try await withQueue { queue, redis in
            try await Self.push(redis, [Self.event("e1", key: "K"), Self.event("e2", key: "K"), Self.event("f1", key: "F")])
            let taken = try await Self.take(queue, waitFirst: waitFirst)
            #expect(taken.map(\.parsed) == ["e1", "f1"], "expected [e1, f1] taken, saw \(taken.map(\.parsed))")
            #expect(taken.map(\.hold) == [OrderHold(key: "K", eventID: "e1"), OrderHold(key: "F", eventID: "f1")])
            let waiting = try await redis.send(RedisCommand("LRANGE", Self.keys.orderWaiting(key: "K"), 0, -1)).array?.compactMap(\.string)
            #expect(waiting == ["e2", Self.event("e2", key: "K")], "expected e2 waiting for K, saw \(String(describing: waiting))")
            let waits = try await Self.string(redis, RedisCommand("HGET", Self.keys.orderWaits, "e2"))
            #expect(waits == "K", "expected e2 indexed as waiting for K, saw \(String(describing: waits))")
        }
    }

    @Test func eventsWithoutAKeyAreNotOrdered() async throws {
        try await withQueue { queue, redis in
            try await Self.push(redis, [Self.event("a", key: nil), Self.event("b", key: nil), "not json"])
            let taken = try await Self.take(queue)
            #expect(taken.count == 3, "expected all 3 taken, saw \(taken.count)")
            #expect(taken.allSatisfy { $0.hold == nil }, "expected no holds, saw \(taken.map(\.hold))")
        }
    }

    @Test func anIntegerValueIsAKeyAndAFloatIsNot() async throws {
        try await withQueue { queue, redis in
            try await Self.push(redis, [#"{"id":"i1","type":"t","data":{"id":42}}"#, #"{"id":"x1","type":"t","data":{"id":4.5}}"#])
            let taken = try await Self.take(queue)
            #expect(taken.map(\.hold) == [OrderHold(key: "42", eventID: "i1"), nil], "saw \(taken.map(\.hold))")
        }
    }

    /// A take that meets a held key pops again for the events it still may run: a key it gave
    /// to an event in its first pop stays that event's in the next one (the script writes the
    /// holders once, at its end).
    @Test func aKeyTakenInOnePopOfATakeMakesItsNextEventWaitInTheNextPop() async throws {
        try await withQueue { queue, redis in
            _ = try await redis.send(RedisCommand("SET", Self.keys.orderHeld(key: "X"), "0someone-else"))
            try await Self.push(redis, [Self.event("x1", key: "X"), Self.event("y1", key: "Y"), Self.event("y2", key: "Y")])
            let taken = try await Self.take(queue, limit: 2)
            #expect(
                taken.map(\.parsed) == ["y1"], "expected only y1 to run (x1 behind someone else, y2 behind y1), saw \(taken.map(\.parsed))")
            let waiting = try await redis.send(RedisCommand("LRANGE", Self.keys.orderWaiting(key: "Y"), 0, -1)).array?.compactMap(\.string)
            #expect(waiting?.first == "y2", "expected y2 waiting for Y, saw \(String(describing: waiting))")
            let holder = try await Self.string(redis, RedisCommand("GET", Self.keys.orderHeld(key: "Y")))
            #expect(holder == "1y1", "expected Y held by y1 with events waiting (1y1), saw \(String(describing: holder))")
        }
    }

    /// Two workers race for one key many times: whichever gets round to its take first, only
    /// the older event runs; the newer one waits.
    @Test func twoTakersRacingForOneKeyNeverBothGetIt() async throws {
        try await withQueue { queue, redis in
            let other = WorkerQueue(keys: Self.keys, workerID: "w-other", operations: redis, fetcher: redis)
            for round in 0..<50 {
                let (first, second) = ("r\(round)a", "r\(round)b")
                try await Self.push(redis, [Self.event(first, key: "R\(round)"), Self.event(second, key: "R\(round)")])
                async let mine = Self.take(queue, limit: 1)
                async let theirs = Self.take(other, limit: 1)
                let runs = try await (mine + theirs).map(\.parsed)
                #expect(runs == [first], "round \(round): expected only \(first) to run, saw \(runs)")
            }
        }
    }
}
