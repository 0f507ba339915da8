import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// `anima-admin dlq replay --all` on thousands of entries.
@Suite("Admin: replay all")
struct AdminReplayAllTests {
    /// LPUSHes `count` valid dead letters, alternating the types `a.created` and `b.created`;
    /// returns their event bodies by type.
    static func insertDeadLetters(_ f: PipelineFixture, count: Int) async throws -> [String: Set<String>] {
        var bodies: [String: Set<String>] = [:]
        var letters: [any RedisArgument] = []
        for index in 0..<count {
            let type = index.isMultiple(of: 2) ? "a.created" : "b.created"
            let event = makeEvent(type, data: #"{"i":\#(index)}"#)
            bodies[type, default: []].insert(event.body)
            let letter: [String: Any] = [
                "dead_id": "dl_\(index)", "id": event.id, "type": type, "event": event.body, "error": "test",
                "attempts": 3, "failed_at": "2026-01-01T00:00:00Z", "worker": "test",
            ]
            letters.append(String(decoding: try JSONSerialization.data(withJSONObject: letter), as: UTF8.self))
        }
        _ = try await f.client.send(RedisCommand("LPUSH", arguments: ["anima:dead"] + letters))
        return bodies
    }

    @Test func replayAllMovesEveryEntryBack() async throws {
        try await PipelineFixture.run { f in
            let bodies = try await Self.insertDeadLetters(f, count: 5000)
            let started = ContinuousClock.now
            let run = try await f.admin("dlq", "replay", "--all")
            let took = ContinuousClock.now - started
            #expect(run.succeeded, "\(run)")
            #expect(took < TestTime.scaled(.seconds(20)), "replaying 5000 entries took \(took)")
            #expect(try await f.count("anima:dead") == 0, "entries left in anima:dead")
            let queued = try await f.entries().map { String(decoding: $0, as: UTF8.self) }
            #expect(queued.count == 5000, "expected 5000 queued, saw \(queued.count)")
            #expect(Set(queued) == bodies["a.created", default: []].union(bodies["b.created", default: []]), "the queued bodies differ")
        }
    }

    @Test func replayAllOfOneTypeLeavesTheOthersInPlace() async throws {
        try await PipelineFixture.run { f in
            let bodies = try await Self.insertDeadLetters(f, count: 5000)
            let run = try await f.admin("dlq", "replay", "--all", "--type", "b.created")
            #expect(run.succeeded, "\(run)")
            let queued = try await f.entries().map { String(decoding: $0, as: UTF8.self) }
            #expect(
                queued.count == 2500 && Set(queued) == bodies["b.created"],
                "expected the 2500 b.created bodies, saw \(queued.count) entries"
            )
            let left = try await f.deadLetters().compactMap { jsonObject($0)?["event"] as? String }
            #expect(left.count == 2500 && Set(left) == bodies["a.created"], "expected the 2500 a.created entries left, saw \(left.count)")
        }
    }
}
