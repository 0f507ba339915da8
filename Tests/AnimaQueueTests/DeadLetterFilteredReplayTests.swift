import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import Foundation
import NIOCore
import Testing

/// ``DeadLetterStore`` filtered replay and dry run walking in small windows while other clients
/// change the list: no matching entry skipped, none handled twice, late arrivals left alone.
@Suite("DeadLetter filtered replay")
struct DeadLetterFilteredReplayTests {
    /// A store on a fresh Redis, and a second client that plays "someone else".
    static func withStore(_ body: (DeadLetterStore, RedisClient) async throws -> Void) async throws {
        let server = try await RedisServer()
        let configuration = try RedisConfiguration(url: server.url)
        let client = RedisClient(configuration: configuration)
        let other = RedisClient(configuration: configuration)
        try await withCleanup {
            try await body(DeadLetterStore(keys: QueueKeys(), client: client), other)
        } cleanup: {
            await client.shutdown()
            await other.shutdown()
            await server.stop()
        }
    }

    /// A stored dead letter for event `evt_<index>`; `a.created` for even indexes, else `b.created`.
    static func stored(_ index: Int, prefix: String = "evt") -> String {
        let type = index.isMultiple(of: 2) ? "a.created" : "b.created"
        let body = #"{"id":"\#(prefix)_\#(index)","type":"\#(type)"}"#
        let letter = DeadLetter(
            deadID: "dl_\(prefix)_\(index)", id: "\(prefix)_\(index)", type: type, body: Data(body.utf8), error: "exit 7",
            attempts: 1, failedAt: Date(timeIntervalSince1970: 1_767_225_600), worker: nil
        )
        return String(decoding: letter.encoded(), as: UTF8.self)
    }

    /// LPUSHes the letters of `indexes` in order (the last is the newest).
    static func push(_ indexes: some Sequence<Int>, prefix: String = "evt", with client: RedisClient) async throws {
        let letters: [any RedisArgument] = indexes.map { stored($0, prefix: prefix) }
        _ = try await client.send(RedisCommand("LPUSH", arguments: ["anima:dead"] + letters))
    }

    /// The event ids on `key`, oldest first.
    static func ids(_ key: String, _ client: RedisClient, field: String = "id") async throws -> [String] {
        let reply = try await client.send(RedisCommand("LRANGE", key, 0, -1))
        return (reply.array ?? []).compactMap(\.string).reversed().compactMap { text in
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
            return object?[field] as? String
        }
    }

    /// Waits until the walk has read its first window (Redis counted an LRANGE): an `async let`
    /// may run before the walk starts, and a letter pushed then is rightly part of the walk.
    static func awaitWalkStart(with client: RedisClient) async throws {
        let started = try await eventually(interval: .milliseconds(1)) {
            let info = try await client.send(RedisCommand("INFO", "commandstats")).string ?? ""
            return info.contains("cmdstat_lrange:calls=")
        }
        try #require(started, "expected the walk to read a window (an LRANGE in INFO commandstats); none seen")
    }

    /// What "someone else" does meanwhile: deletes the entries of `deleted`, one LREM each; after
    /// each, once the walk has started, pushes a late `new_…` a.created letter when `arrivals` says so.
    static func meddle(deleting deleted: [Int], arrivals: Bool, with client: RedisClient) async throws {
        if arrivals { try await awaitWalkStart(with: client) }
        for index in deleted {
            _ = try await client.send(RedisCommand("LREM", "anima:dead", 1, stored(index)))
            if arrivals { try await push([index * 2], prefix: "new", with: client) }
        }
    }

    /// Pushes `count` late `new_…` a.created letters one at a time, once the walk has started.
    static func pushLate(_ count: Int, with client: RedisClient) async throws {
        try await awaitWalkStart(with: client)
        for index in 0..<count { try await push([index * 2], prefix: "new", with: client) }
    }

    static let typeA = DeadLetterFilter(type: "a.created")

    @Test func replayInSmallWindowsMovesEachMatchOnceOldestFirst() async throws {
        try await Self.withStore { store, other in
            try await Self.push(0..<1000, with: other)
            let replayed = try await store.replay(matching: Self.typeA, chunkSize: 7)
            let expected = stride(from: 0, to: 1000, by: 2).map { "evt_\($0)" }
            #expect(replayed == 500, "expected 500 replayed, saw \(replayed)")
            let queued = try await Self.ids("anima:events", other)
            #expect(queued == expected, "expected the a.created ids oldest first; saw \(queued.count), first \(queued.prefix(5))")
            let left = try await Self.ids("anima:dead", other)
            #expect(left == stride(from: 1, to: 1000, by: 2).map { "evt_\($0)" }, "expected the b.created entries left in order")
        }
    }

    @Test func deadLettersArrivingDuringTheReplayAreLeftForTheNextRun() async throws {
        try await Self.withStore { store, other in
            try await Self.push(0..<2000, with: other)
            async let arrivals: Void = Self.pushLate(200, with: other)
            let replayed = try await store.replay(matching: Self.typeA, chunkSize: 10)
            try await arrivals
            let queued = try await Self.ids("anima:events", other)
            #expect(replayed == 1000, "expected 1000 replayed, saw \(replayed)")
            #expect(queued == stride(from: 0, to: 2000, by: 2).map { "evt_\($0)" }, "expected each original a.created once, oldest first")
            let newLeft = try await Self.ids("anima:dead", other).filter { $0.hasPrefix("new_") }
            #expect(newLeft.count == 200, "expected the 200 late arrivals left in anima:dead, saw \(newLeft.count)")
        }
    }

    @Test func someoneElseDeletingPassedEntriesMakesItSkipNothing() async throws {
        try await Self.withStore { store, other in
            try await Self.push(0..<2000, with: other)
            let doomed = Array(stride(from: 1, to: 2000, by: 2).shuffled().prefix(400))
            async let deletions: Void = Self.meddle(deleting: doomed, arrivals: false, with: other)
            let replayed = try await store.replay(matching: Self.typeA, chunkSize: 10)
            try await deletions
            #expect(replayed == 1000, "expected 1000 replayed, saw \(replayed)")
            let queued = try await Self.ids("anima:events", other)
            #expect(queued == stride(from: 0, to: 2000, by: 2).map { "evt_\($0)" }, "expected each a.created once, oldest first")
            let left = Set(try await Self.ids("anima:dead", other))
            let expectedLeft = Set(stride(from: 1, to: 2000, by: 2).map { "evt_\($0)" }).subtracting(doomed.map { "evt_\($0)" })
            #expect(left == expectedLeft, "expected the 600 b.created not deleted, saw \(left.count)")
        }
    }

    @Test func dryRunCountsEachMatchOnceWhileTheListChanges() async throws {
        try await Self.withStore { store, other in
            try await Self.push(0..<2001, with: other)  // the newest, evt_2000, matches
            _ = try await other.send(RedisCommand("SET", "anima:event:evt_4", "done"))
            let doomed = Array(stride(from: 1, to: 2000, by: 2).shuffled().prefix(400))
            async let changes: Void = Self.meddle(deleting: doomed, arrivals: true, with: other)
            let preview = try await store.preview(matching: Self.typeA, chunkSize: 10)
            try await changes
            let expected = DeadLetterPreview(
                matched: 1001, byType: ["a.created": 1001], distinctIDs: 1001, alreadyDone: 1,
                ids: stride(from: 0, to: 40, by: 2).map { "evt_\($0)" }
            )
            #expect(preview == expected, "expected \(expected), saw \(preview)")
            #expect(try await other.send(RedisCommand("LLEN", "anima:events")).int == 0, "the dry run queued something")
        }
    }
}
