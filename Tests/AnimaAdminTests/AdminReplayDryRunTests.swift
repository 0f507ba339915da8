import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// `anima-admin dlq replay … --dry-run`, and the replay's usage errors.
@Suite("Admin: replay dry run and usage")
struct AdminReplayDryRunTests {
    /// The sample letters, with done marks for evt_a1 and evt_b2 and a claim (not done) on evt_a3.
    static func seedWithMarks(_ f: PipelineFixture) async throws {
        try await SeedLetter.seed(f, SeedLetter.sample())
        for id in ["evt_a1", "evt_b2"] { _ = try await f.client.send(RedisCommand("SET", "anima:event:\(id)", "done")) }
        _ = try await f.client.send(RedisCommand("SET", "anima:event:evt_a3", "claimed:w1"))
    }

    /// Everything a dry run must leave as it was: the dead letters, the queue, the marks.
    static func snapshot(_ f: PipelineFixture) async throws -> [String] {
        let marks = try await ["evt_a1", "evt_b2", "evt_a3"].asyncMap { try await f.get("anima:event:\($0)") ?? "-" }
        return try await f.deadLetters() + ["events: \(try await f.count("anima:events"))"] + marks
    }

    @Test func dryRunJSONCountsMatchesPerTypeDoneMarksAndIds() async throws {
        try await PipelineFixture.run { f in
            try await Self.seedWithMarks(f)
            let run = try await f.admin("dlq", "replay", "--error-contains", "crm", "--dry-run", "--json")
            #expect(run.succeeded, "\(run)")
            let object = try #require(jsonObject(run.standardOutput), "not a JSON object: \(run.standardOutput)")
            #expect(Set(object.keys) == ["matched", "by_type", "already_done", "ids"], "keys: \(object.keys.sorted())")
            #expect(object["matched"] as? Int == 3, "matched: expected 3, saw \(object["matched"] ?? "missing")")
            let byType = object["by_type"] as? [String: Int]
            #expect(
                byType == ["a.created": 2, "b.created": 1],
                "by_type: expected a.created 2, b.created 1, saw \(object["by_type"] ?? "missing")")
            #expect(object["already_done"] as? Int == 2, "already_done: expected 2, saw \(object["already_done"] ?? "missing")")
            let ids = object["ids"] as? [String]
            #expect(ids == ["evt_a1", "evt_b2", "evt_a3"], "ids: expected oldest first, saw \(object["ids"] ?? "missing")")
        }
    }

    @Test func dryRunChangesNothing() async throws {
        try await PipelineFixture.run { f in
            try await Self.seedWithMarks(f)
            let before = try await Self.snapshot(f)
            for filters in [["--type", "a.created"], ["--all"], ["--since", "2h", "--json"]] {
                let run = try await AdminProcess.run(["dlq", "replay", "--dry-run"] + filters + ["--redis-url", f.redis.url])
                #expect(run.succeeded, "\(filters): \(run)")
                #expect(try await Self.snapshot(f) == before, "\(filters): the dry run changed something")
            }
        }
    }

    @Test func dryRunListsAtMost20IdsTheOldestFirst() async throws {
        try await PipelineFixture.run { f in
            let letters = (0..<30).map { SeedLetter(id: "evt_\($0)", type: "a.created", error: "x", failedAt: "2020-01-01T00:00:00Z") }
            try await SeedLetter.seed(f, letters)
            let run = try await f.admin("dlq", "replay", "--type", "a.created", "--dry-run", "--json")
            let object = jsonObject(run.standardOutput)
            #expect(object?["matched"] as? Int == 30, "matched: expected 30, saw \(run.standardOutput)")
            let ids = object?["ids"] as? [String]
            #expect(ids == (0..<20).map { "evt_\($0)" }, "ids: expected evt_0…evt_19, saw \(ids ?? [])")
        }
    }

    @Test func dryRunCountsEntriesWithoutTypeUnderNone() async throws {
        try await PipelineFixture.run { f in
            try await SeedLetter.seed(f, [SeedLetter(id: "evt_x", type: nil, error: "not a JSON object", failedAt: "2020-01-01T00:00:00Z")])
            let run = try await f.admin("dlq", "replay", "--all", "--dry-run", "--json")
            let byType = jsonObject(run.standardOutput)?["by_type"] as? [String: Int]
            #expect(byType == ["(none)": 1], "by_type: expected (none) 1, saw \(run.standardOutput)")
        }
    }

    @Test func dryRunWithoutMatchesPrintsZerosAndEmptyCollections() async throws {
        try await PipelineFixture.run { f in
            try await SeedLetter.seed(f, SeedLetter.sample())
            let run = try await f.admin("dlq", "replay", "--type", "c.created", "--dry-run", "--json")
            let expected = #"{"already_done":0,"by_type":{},"ids":[],"matched":0}"#
            #expect(run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == expected, "expected \(expected), saw \(run)")
        }
    }

    @Test func dryRunTextShowsTheCountsTypesDoneMarksAndIds() async throws {
        try await PipelineFixture.run { f in
            try await Self.seedWithMarks(f)
            let run = try await f.admin("dlq", "replay", "--error-contains", "crm", "--dry-run")
            #expect(run.succeeded, "\(run)")
            for text in ["3 dead letters match", "a.created  2", "b.created  1", "already done: 2 of 3", "evt_a1", "evt_a3"] {
                #expect(run.standardOutput.contains(text), "expected '\(text)' in stdout: \(run.standardOutput)")
            }
        }
    }

    @Test(arguments: [
        (["evt_a1", "--type", "a.created"], "not both"),
        (["evt_a1", "--all"], "not both"),
        ([], "give one dead letter ID, --all, or filters"),
        (["--dry-run"], "give one dead letter ID, --all, or filters"),
        (["evt_a1", "--dry-run"], "--dry-run goes with --all or filters"),
        (["--since", "yesterday"], "'yesterday' is not a time"),
        (["--until", "5w"], "'5w' is not a time"),
        (["--error-contains", ""], "--error-contains needs some text"),
        (["--since", "1h", "--until", "2h"], "is not before --until"),
    ])
    func usageErrorsExitNonZeroWithOneClearLineFirstAndChangeNothing(_ arguments: [String], _ message: String) async throws {
        try await PipelineFixture.run { f in
            try await SeedLetter.seed(f, SeedLetter.sample())
            let before = try await f.deadLetters()
            let run = try await AdminProcess.run(["dlq", "replay"] + arguments + ["--redis-url", f.redis.url])
            #expect(run.failed, "\(arguments): expected a non-zero exit, saw \(run)")
            let first = run.errorLines.first ?? ""
            #expect(first.contains(message), "\(arguments): expected '\(message)' on the first stderr line, saw \(run.errorLines)")
            #expect(try await f.deadLetters() == before, "\(arguments): the dead letters changed")
            #expect(try await f.count("anima:events") == 0, "\(arguments): something was queued")
        }
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
