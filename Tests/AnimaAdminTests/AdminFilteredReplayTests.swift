import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// One dead letter for a test to LPUSH: the fields the replay filters look at.
struct SeedLetter: Sendable {
    let id: String
    let type: String?
    let error: String
    let failedAt: String

    var body: String { #"{"id":"\#(id)","type":"\#(type ?? "")","data":{}}"# }

    var stored: String {
        let letter: [String: Any] = [
            "dead_id": "dl_" + id, "id": id, "type": type ?? NSNull(), "event": body, "error": error, "attempts": 3,
            "failed_at": failedAt, "worker": "test",
        ]
        let data = (try? JSONSerialization.data(withJSONObject: letter, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Six letters, oldest first: old ones in 2020, two in the last hours.
    static func sample(now: Date = Date()) -> [SeedLetter] {
        func ago(_ seconds: Double) -> String { now.addingTimeInterval(-seconds).formatted(.iso8601) }
        return [
            SeedLetter(id: "evt_a1", type: "a.created", error: "HTTP 503 from CRM", failedAt: "2020-01-01T00:00:00Z"),
            SeedLetter(id: "evt_b1", type: "b.created", error: "exit 7", failedAt: "2020-01-02T00:00:00Z"),
            SeedLetter(id: "evt_a2", type: "a.created", error: "exit 7", failedAt: "2020-01-03T00:00:00Z"),
            SeedLetter(id: "evt_b2", type: "b.created", error: "crm timeout", failedAt: "2020-01-04T00:00:00.250Z"),
            SeedLetter(id: "evt_a3", type: "a.created", error: "Crm down", failedAt: ago(3600)),
            SeedLetter(id: "evt_b3", type: "b.created", error: "exit 7", failedAt: ago(600)),
        ]
    }

    /// LPUSHes `letters` in order, so the last is the newest dead letter.
    static func seed(_ f: PipelineFixture, _ letters: [SeedLetter]) async throws {
        for chunk in stride(from: 0, to: letters.count, by: 1000) {
            let part: [any RedisArgument] = letters[chunk..<min(chunk + 1000, letters.count)].map(\.stored)
            _ = try await f.client.send(RedisCommand("LPUSH", arguments: ["anima:dead"] + part))
        }
    }
}

/// `anima-admin dlq replay` with `--type`, `--error-contains`, `--since`, `--until`.
@Suite("Admin: filtered replay")
struct AdminFilteredReplayTests {
    /// Seeds ``SeedLetter/sample(now:)``, runs `dlq replay FILTERS`, and checks that exactly the
    /// letters `expected` went back onto `anima:events` (raw bodies, oldest first) and the others stayed.
    func expectReplay(_ filters: [String], moves expected: [String]) async throws {
        try await PipelineFixture.run { f in
            let letters = SeedLetter.sample()
            try await SeedLetter.seed(f, letters)
            let run = try await AdminProcess.run(["dlq", "replay"] + filters + ["--redis-url", f.redis.url])
            #expect(run.succeeded, "\(filters): \(run)")
            let queued = try await f.entries().map { String(decoding: $0, as: UTF8.self) }
            let expectedBodies = letters.filter { expected.contains($0.id) }.map(\.body)
            #expect(queued == expectedBodies, "\(filters): expected the bodies of \(expected) oldest first, saw \(queued)")
            let left = try await f.deadLetters().compactMap { jsonObject($0)?["id"] as? String }
            let expectedLeft = letters.map(\.id).filter { !expected.contains($0) }.reversed()
            #expect(left == Array(expectedLeft), "\(filters): expected \(Array(expectedLeft)) left newest first, saw \(left)")
            #expect(run.standardOutput.contains("replayed \(expected.count) dead letters"), "\(filters): stdout \(run.standardOutput)")
        }
    }

    @Test func typeReplaysOnlyThatType() async throws {
        try await expectReplay(["--type", "a.created"], moves: ["evt_a1", "evt_a2", "evt_a3"])
    }

    @Test func errorContainsMatchesTheErrorTextIgnoringCase() async throws {
        try await expectReplay(["--error-contains", "crm"], moves: ["evt_a1", "evt_b2", "evt_a3"])
    }

    @Test func sinceAndUntilTakeISOTimesSinceIncludedUntilExcluded() async throws {
        try await expectReplay(
            ["--since", "2020-01-02T00:00:00Z", "--until", "2020-01-04T00:00:00.250Z"],
            moves: ["evt_b1", "evt_a2"]
        )
    }

    @Test func sinceTakesADurationBackFromNow() async throws {
        try await expectReplay(["--since", "2h"], moves: ["evt_a3", "evt_b3"])
    }

    @Test func untilTakesADurationBackFromNow() async throws {
        try await expectReplay(["--until", "30m"], moves: ["evt_a1", "evt_b1", "evt_a2", "evt_b2", "evt_a3"])
    }

    @Test func filtersCombine() async throws {
        try await expectReplay(["--type", "a.created", "--error-contains", "CRM", "--since", "7d"], moves: ["evt_a3"])
    }

    @Test func noMatchReplaysNothing() async throws {
        try await expectReplay(["--type", "c.created"], moves: [])
    }

    @Test func jsonPrintsTheReplayedCount() async throws {
        try await PipelineFixture.run { f in
            try await SeedLetter.seed(f, SeedLetter.sample())
            let filtered = try await f.admin("dlq", "replay", "--type", "a.created", "--json")
            #expect(filtered.succeeded, "\(filtered)")
            let object = jsonObject(filtered.standardOutput)
            #expect(object?.count == 1 && object?["replayed"] as? Int == 3, "expected {\"replayed\":3}, saw \(filtered.standardOutput)")
            let one = try await f.admin("dlq", "replay", "evt_b1", "--json")
            #expect(one.succeeded, "\(one)")
            #expect(jsonObject(one.standardOutput)?["replayed"] as? Int == 1, "expected {\"replayed\":1}, saw \(one.standardOutput)")
            let all = try await f.admin("dlq", "replay", "--all", "--json")
            #expect(all.succeeded, "\(all)")
            #expect(jsonObject(all.standardOutput)?["replayed"] as? Int == 2, "expected {\"replayed\":2}, saw \(all.standardOutput)")
        }
    }

    @Test func aFilteredReplayOf5000MovesExactlyTheMatchingSubsetOnce() async throws {
        try await PipelineFixture.run { f in
            let errors = ["CRM timeout", "exit 7", "HTTP 500"]
            let letters = (0..<5000).map { index in
                SeedLetter(
                    id: "evt_\(index)", type: index.isMultiple(of: 2) ? "a.created" : "b.created", error: errors[index % 3],
                    failedAt: "2020-01-01T00:00:00Z"
                )
            }
            try await SeedLetter.seed(f, letters)
            let run = try await f.admin("dlq", "replay", "--type", "b.created", "--error-contains", "timeout")
            #expect(run.succeeded, "\(run)")
            let expected = letters.filter { $0.type == "b.created" && $0.error.contains("timeout") }
            let queued = try await f.entries().map { String(decoding: $0, as: UTF8.self) }
            #expect(queued.count == expected.count, "expected \(expected.count) queued, saw \(queued.count)")
            #expect(queued == expected.map(\.body), "expected the matching bodies once each, oldest first")
            let left = try await f.deadLetters().compactMap { jsonObject($0)?["id"] as? String }
            let expectedLeft = letters.filter { !($0.type == "b.created" && $0.error.contains("timeout")) }.map(\.id)
            #expect(left == expectedLeft.reversed(), "expected the other \(expectedLeft.count) left in order, saw \(left.count)")
        }
    }
}
