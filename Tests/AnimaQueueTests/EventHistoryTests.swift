import AnimaQueue
import AnimaRedis
import Foundation
import NIOCore
import Testing

/// The outcome history: recording in the capped stream with a per-event index, and reading an
/// event's attempts and its state now.
@Suite("Queue: event history")
struct EventHistoryTests {
    static let keys = QueueKeys()

    func record(
        _ redis: RedisClient, _ id: String, _ result: HistoryRecord.Result, attempt: Int = 1, max: Int = 100_000, due: Int64? = nil
    ) async throws {
        let record = HistoryRecord(
            eventID: id, type: "resource.created", attempt: attempt, result: result, durationMilliseconds: 12,
            error: result == .ok ? nil : "exit 1", worker: "w-test", at: 1_764_000_000_000 + Int64(attempt), dueAt: due
        )
        _ = try await redis.send(record.command(keys: Self.keys, maxLength: max, digest: nil, final: true))
    }

    @Test func attemptsComeBackOldestFirstWithEveryField() async throws {
        try await withQueue { _, redis in
            try await record(redis, "evt_1", .retry, attempt: 1)
            try await record(redis, "evt_1", .ok, attempt: 2)
            let attempts = try await EventHistory(keys: Self.keys, client: redis).attempts(of: "evt_1")
            #expect(attempts.map(\.attempt) == [1, 2], "expected attempts [1, 2], saw \(attempts.map(\.attempt))")
            #expect(attempts.map(\.result) == [.retry, .ok], "saw \(attempts.map(\.result))")
            #expect(attempts.first?.error == "exit 1" && attempts.first?.durationMilliseconds == 12 && attempts.first?.worker == "w-test")
        }
    }

    @Test func anyErrorTextComesBackAsWritten() async throws {
        try await withQueue { _, redis in
            let error = "line \"one\"\n\ttab \\ back\u{1}slash — ünïcode 🚀"
            let written = HistoryRecord(
                eventID: "evt_\"q\"", type: "t", attempt: 1, result: .retry, error: error, worker: "w", at: 5, dueAt: 9)
            _ = try await redis.send(written.command(keys: Self.keys, maxLength: 100, digest: nil, final: false))
            let read = try await EventHistory(keys: Self.keys, client: redis).attempts(of: "evt_\"q\"")
            #expect(read == [written], "expected \([written]), saw \(read)")
        }
    }

    @Test func entriesInTheEarlierOneFieldPerValueLayoutStillRead() async throws {
        try await withQueue { _, redis in
            let entry = try await redis.send(
                RedisCommand(
                    "XADD", Self.keys.history, "*", "id", "evt_v1", "attempt", 2, "result", "ok", "worker", "w", "at", 7, "type", "t",
                    "duration_ms", 3, "received_at", 1, "sent_at", 0
                ))
            _ = try await redis.send(RedisCommand("RPUSH", Self.keys.history(id: "evt_v1"), entry.string ?? ""))
            let read = try await EventHistory(keys: Self.keys, client: redis).attempts(of: "evt_v1")
            let expected = HistoryRecord(
                eventID: "evt_v1", type: "t", attempt: 2, result: .ok, durationMilliseconds: 3, worker: "w", at: 7, receivedAt: 1, sentAt: 0
            )
            #expect(read == [expected], "expected \([expected]), saw \(read)")
        }
    }

    @Test func theStreamIsCappedAndAnOldIdThenAnswersUnknown() async throws {
        try await withQueue { _, redis in
            try await record(redis, "evt_old", .ok, max: 200)
            for index in 0..<1_000 { try await record(redis, "evt_\(index)", .ok, max: 200) }
            let length = try await redis.send(RedisCommand("XLEN", Self.keys.history)).int ?? -1
            #expect((200...300).contains(length), "expected 200 to 300 entries (approximate trimming), saw \(length)")
            let status = try await EventHistory(keys: Self.keys, client: redis).status(of: "evt_old")
            #expect(
                status.attempts.isEmpty && status.state == .unknown && !status.isKnown,
                "saw \(status.state), \(status.attempts.count) attempts")
        }
    }

    @Test func anEventKeepsItsHundredNewestOutcomesAndNoMoreThanFourKiBOfThem() async throws {
        try await withQueue { _, redis in
            for attempt in 1...300 { try await record(redis, "evt_many", .retry, attempt: attempt) }
            let attempts = try await EventHistory(keys: Self.keys, client: redis).attempts(of: "evt_many").map(\.attempt)
            #expect(
                Array(attempts.suffix(100)) == Array(201...300),
                "expected attempts 201 to 300 last, saw \(attempts.suffix(100).first ?? 0) to \(attempts.last ?? 0)")
            #expect(
                (100...256).contains(attempts.count), "expected 100 to 256 kept (4 KiB of ids, then back to 100), saw \(attempts.count)")
        }
    }

    @Test func anIndexWrittenAsAListByAnEarlierVersionIsStillAppendedTo() async throws {
        try await withQueue { _, redis in
            let old = HistoryRecord(eventID: "evt_list", type: "t", attempt: 1, result: .retry, worker: "w", at: 1)
            let entry = try await redis.send(
                RedisCommand(
                    "XADD", Self.keys.history, "*", "r", #"{"id":"evt_list","attempt":1,"result":"retry","worker":"w","at":1,"type":"t"}"#))
            _ = try await redis.send(RedisCommand("RPUSH", Self.keys.history(id: "evt_list"), entry.string ?? ""))
            try await record(redis, "evt_list", .ok, attempt: 2)
            let attempts = try await EventHistory(keys: Self.keys, client: redis).attempts(of: "evt_list")
            #expect(
                attempts.map(\.attempt) == [1, 2] && attempts.first == old,
                "expected the listed attempt 1 and the new attempt 2, saw \(attempts)")
        }
    }

    @Test func theIndexExpiresWithTheDoneMark() async throws {
        try await withQueue { _, redis in
            try await record(redis, "evt_ttl", .ok)
            let ttl = try await redis.send(RedisCommand("TTL", Self.keys.history(id: "evt_ttl"))).int ?? -1
            #expect(ttl > 604_000, "expected the index to live 7 days, saw TTL \(ttl)")
        }
    }

    @Test func aReceiptToTheMicrosecondReadsAsItsWholeMillisecond() async throws {
        try await withQueue { _, redis in
            _ = try await redis.send(RedisCommand("HSET", Self.keys.received, "d2", "1764000000123.999 1764000000"))
            let ok = HistoryRecord(eventID: "evt_us", type: "t", attempt: 1, result: .ok, worker: "w", at: 1)
            _ = try await redis.send(ok.command(keys: Self.keys, maxLength: 100, digest: "d2", final: true))
            let attempts = try await EventHistory(keys: Self.keys, client: redis).attempts(of: "evt_us")
            #expect(
                attempts.map(\.receivedAt) == [1_764_000_000_123], "expected the millisecond it fell in, saw \(attempts.map(\.receivedAt))")
        }
    }

    @Test func theReceiptJoinsTheRecordAndGoesWithTheFinalOutcome() async throws {
        try await withQueue { _, redis in
            _ = try await redis.send(RedisCommand("HSET", Self.keys.received, "d1", "1764000000123 1764000000"))
            let retry = HistoryRecord(eventID: "evt_r", type: "t", attempt: 1, result: .retry, worker: "w", at: 1)
            let ok = HistoryRecord(eventID: "evt_r", type: "t", attempt: 2, result: .ok, worker: "w", at: 2)
            for (record, final) in [(retry, false), (ok, true)] {
                let reply = try await redis.send(record.command(keys: Self.keys, maxLength: 100, digest: "d1", final: final))
                #expect(reply.array?.first?.string == "1764000000123 1764000000", "expected the receipt as the reply, saw \(reply)")
            }
            let attempts = try await EventHistory(keys: Self.keys, client: redis).attempts(of: "evt_r")
            #expect(attempts.map(\.receivedAt) == [1_764_000_000_123, 1_764_000_000_123], "saw \(attempts.map(\.receivedAt))")
            #expect(attempts.map(\.sentAt) == [1_764_000_000, 1_764_000_000], "saw \(attempts.map(\.sentAt))")
            let left = try await redis.send(RedisCommand("HEXISTS", Self.keys.received, "d1")).int
            #expect(left == 0, "expected the receipt deleted with the final outcome")
        }
    }

    @Test func aBatchGetsEachItsOwnReceiptAndDeletesOnlyTheFinalOnes() async throws {
        try await withQueue { _, redis in
            _ = try await redis.send(RedisCommand("HSET", Self.keys.received, "d1", "1 1", "d2", "2 2", "d3", "3 3"))
            func item(_ id: String, _ digest: String?, final: Bool) -> HistoryBatch.Item {
                .init(
                    record: HistoryRecord(eventID: id, type: "t", attempt: 1, result: final ? .ok : .retry, worker: "w", at: 1),
                    digest: digest, final: final)
            }
            let batch = HistoryBatch([
                item("e1", "d1", final: true), item("e2", nil, final: true), item("e3", "d3", final: false), item("e4", "dx", final: true),
            ])
            let receipts = batch.receipts(try await redis.send(batch.command(keys: Self.keys, maxLength: 100)))
            #expect(receipts == ["1 1", nil, "3 3", nil], "expected each item's own receipt in order, saw \(receipts)")
            let left = try await redis.send(RedisCommand("HKEYS", Self.keys.received)).array?.compactMap(\.string).sorted()
            #expect(left == ["d2", "d3"], "expected only the final item's receipt deleted, saw \(left ?? [])")
        }
    }

    @Test func errorsAreCutToOneKibibyte() {
        let record = HistoryRecord(
            eventID: "e", type: nil, attempt: 1, result: .retry, error: String(repeating: "é", count: 2_000), worker: "w", at: 0)
        let size = record.error?.utf8.count ?? 0
        #expect(size <= 1024 && size >= 1020, "expected about 1 KiB of whole characters, saw \(size) bytes")
    }

    @Test func stateIsDoneRunningPendingScheduledOrDeadFromWhereTheEventIs() async throws {
        try await withQueue { _, redis in
            let history = EventHistory(keys: Self.keys, client: redis)
            _ = try await redis.send(RedisCommand("SET", Self.keys.event(id: "d"), "done"))
            _ = try await redis.send(RedisCommand("SET", Self.keys.event(id: "r"), "lease:w:1"))
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, #"{"id": "p","type":"t"}"#))
            _ = try await redis.send(
                RedisCommand("ZADD", Self.keys.scheduled, 1_900_000_000_000, "#anima:v1 1 n\n{\"id\":\"s\",\"type\":\"t\"}"))
            let letter = DeadLetter(id: "x", type: "t", body: Data(#"{"id":"x","type":"t"}"#.utf8), error: "boom", attempts: 3, worker: "w")
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.dead, Array(letter.encoded())))
            let states = try await ["d", "r", "p", "s", "x", "nothing"].asyncMap { try await history.status(of: $0).state }
            #expect(states == [.done, .running, .pending, .scheduled, .dead, .unknown], "saw \(states)")
            let due = try await history.status(of: "s").dueAt
            #expect(due == 1_900_000_000_000, "expected the retry's due time, saw \(String(describing: due))")
        }
    }

    @Test func anIdFoundOnlyInsideAnotherEventsDataIsNotPending() async throws {
        try await withQueue { _, redis in
            let other = #"{"id":"evt_other","type":"t","data":{"id":"evt_inner","ref":"evt_inner"}}"#
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, other, #"{ "type":"t" , "id" : "evt_spaced" }"#))
            let history = EventHistory(keys: Self.keys, client: redis)
            let states = try await ["evt_inner", "evt_other", "evt_spaced"].asyncMap { try await history.status(of: $0).state }
            #expect(states == [.unknown, .pending, .pending], "expected [unknown, pending, pending], saw \(states)")
        }
    }

    /// The id as the worker reads it, however the body escapes it: `\/`, `\u` escapes of any
    /// character, non-ASCII written raw or escaped.
    @Test(arguments: [
        ("evt/1", #"{"id":"evt\/1","type":"t"}"#),
        ("evt_é", #"{"id":"evt_\u00e9","type":"t"}"#),
        ("evt_é", #"{"id":"evt_é","type":"t"}"#),
        ("evt_a", #"{"id":"\u0065vt_a","type":"t"}"#),
        ("say \"hi\"", #"{"id":"say \u0022hi\"","type":"t"}"#),
    ])
    func anIdWrittenWithEscapesIsFoundExactly(id: String, body: String) async throws {
        try await withQueue { _, redis in
            _ = try await redis.send(RedisCommand("LPUSH", Self.keys.events, body))
            let history = EventHistory(keys: Self.keys, client: redis)
            let pending = try await history.status(of: id).state
            #expect(pending == .pending, "\(body): expected \(id) pending, saw \(pending)")
            let other = try await history.status(of: id + "x").state
            #expect(other == .unknown, "\(body): expected \(id)x unknown, saw \(other)")
        }
    }

    @Test func listIsNewestFirstAndFiltersByTypeAndResult() async throws {
        try await withQueue { _, redis in
            try await record(redis, "a", .retry)
            try await record(redis, "b", .ok)
            try await record(redis, "c", .retry)
            let history = EventHistory(keys: Self.keys, client: redis)
            let retries = try await history.list(result: .retry, limit: 10).map(\.eventID)
            #expect(retries == ["c", "a"], "expected [c, a], saw \(retries)")
            let limited = try await history.list(limit: 2).map(\.eventID)
            #expect(limited == ["c", "b"], "expected [c, b], saw \(limited)")
            let other = try await history.list(type: "other.type", limit: 10)
            #expect(other.isEmpty, "expected nothing of another type, saw \(other.count)")
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
