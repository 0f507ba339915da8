import AnimaTestSupport
import Foundation
import Testing

/// `anima-admin dlq …` on dead letters made by a real failing worker.
@Suite("Admin: dead letters")
struct AdminDeadLetterTests {
    /// Three events (two `resource.created`, one `resource.deleted`) dead-lettered by a real
    /// worker whose handler always fails, with one attempt allowed; the worker is stopped after.
    /// One slot, so they die in the order pushed: the last one is the newest dead letter.
    static func failedEvents(_ f: PipelineFixture) async throws -> [(id: String, body: String)] {
        let worker = try await f.startWorker(
            ["*=exit 7"],
            environment: ["ANIMA_MAX_ATTEMPTS": "1", "ANIMA_WORKER_CONCURRENCY": "1"]
        )
        let events = [makeEvent("resource.created"), makeEvent("resource.deleted"), makeEvent("resource.created")]
        for event in events { try await f.push(event.body) }
        try #require(await f.waitForDeadLetters(events.count), "the worker did not dead-letter the events")
        await worker.stop()
        return events
    }

    @Test func listShowsEveryDeadLetterAsATableAndAsJSON() async throws {
        try await PipelineFixture.run { f in
            let events = try await Self.failedEvents(f)
            let table = try await f.admin("dlq", "list")
            #expect(table.succeeded, "\(table)")
            for event in events {
                #expect(table.standardOutput.contains(event.id), "\(event.id) is not listed:\n\(table.standardOutput)")
            }
            let json = try await f.admin("dlq", "list", "--json")
            #expect(json.succeeded, "\(json)")
            let array = try #require(
                (try? JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8))) as? [[String: Any]],
                "not a JSON array of objects: \(json.standardOutput)"
            )
            #expect(array.compactMap { $0["id"] as? String } == events.reversed().map(\.id), "expected newest first: \(array)")
            for letter in array {
                for field in ["dead_id", "id", "type", "event", "error", "attempts", "failed_at"] {
                    #expect(letter[field] != nil, "field \(field) missing in \(letter)")
                }
            }
        }
    }

    @Test func listLimitAndTypeFilter() async throws {
        try await PipelineFixture.run { f in
            let events = try await Self.failedEvents(f)
            let limited = try await f.admin("dlq", "list", "--json", "--limit", "1")
            let one = (try? JSONSerialization.jsonObject(with: Data(limited.standardOutput.utf8))) as? [[String: Any]]
            #expect(one?.count == 1 && one?.first?["id"] as? String == events[2].id, "--limit 1: \(limited)")
            let deleted = try await f.admin("dlq", "list", "--json", "--type", "resource.deleted")
            let typed = (try? JSONSerialization.jsonObject(with: Data(deleted.standardOutput.utf8))) as? [[String: Any]]
            #expect(typed?.compactMap { $0["id"] as? String } == [events[1].id], "--type resource.deleted: \(deleted)")
        }
    }

    @Test func showFindsByDeadIdAndByEventId() async throws {
        try await PipelineFixture.run { f in
            let events = try await Self.failedEvents(f)
            let letter = try #require(try await f.deadLetters().compactMap(jsonObject).first { $0["id"] as? String == events[1].id })
            let deadID = try #require(letter["dead_id"] as? String)
            for key in [deadID, events[1].id] {
                let run = try await f.admin("dlq", "show", key)
                #expect(run.succeeded, "show \(key): \(run)")
                #expect(
                    run.standardOutput.contains(deadID) && run.standardOutput.contains(events[1].id),
                    "show \(key): \(run.standardOutput)"
                )
            }
        }
    }

    @Test func unknownIdFailsAndChangesNothing() async throws {
        try await PipelineFixture.run { f in
            _ = try await Self.failedEvents(f)
            let before = try await f.deadLetters()
            for command in [["show"], ["replay"], ["delete"]] {
                let run = try await AdminProcess.run(
                    ["dlq"] + command + ["evt_no_such_id", "--redis-url", f.redis.url]
                )
                #expect(run.failed, "\(command): expected a non-zero exit: \(run)")
                #expect(run.errorLines.count == 1, "\(command): stderr \(run.errorLines)")
            }
            #expect(try await f.deadLetters() == before, "the dead letters changed")
            #expect(try await f.count("anima:events") == 0, "something was queued")
        }
    }

    @Test func replayQueuesTheRawBodyAgainAndAWorkerCompletesIt() async throws {
        try await PipelineFixture.run { f in
            let events = try await Self.failedEvents(f)
            let run = try await f.admin("dlq", "replay", events[0].id)
            #expect(run.succeeded, "\(run)")
            let letters = try await f.deadLetters().compactMap(jsonObject)
            #expect(!letters.contains { $0["id"] as? String == events[0].id }, "the entry is still in anima:dead")
            #expect(letters.count == 2, "expected 2 dead letters left, saw \(letters.count)")
            #expect(try await f.entries() == [Array(events[0].body.utf8)], "expected the raw body back on anima:events")
            try await f.startWorker(["*=\(f.record())"])
            #expect(await f.waitUntilDone([events[0].id]), "the replayed event was not completed")
            #expect(f.lines("runs.log") == ["\(events[0].id) 1"], "expected attempt 1, saw \(f.lines("runs.log"))")
        }
    }

    @Test func deleteRemovesOneAndPurgeNeedsYes() async throws {
        try await PipelineFixture.run { f in
            let events = try await Self.failedEvents(f)
            let deleted = try await f.admin("dlq", "delete", events[0].id)
            #expect(deleted.succeeded, "\(deleted)")
            #expect(try await f.count("anima:dead") == 2, "delete did not remove exactly one entry")
            let refused = try await f.admin("dlq", "purge")
            #expect(refused.failed, "purge without --yes: \(refused)")
            #expect(try await f.count("anima:dead") == 2, "purge without --yes deleted something")
            let purged = try await f.admin("dlq", "purge", "--yes")
            #expect(purged.succeeded, "\(purged)")
            #expect(try await f.count("anima:dead") == 0, "purge --yes left entries")
            let list = try await f.admin("dlq", "list", "--json")
            #expect(list.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "list after purge: \(list)")
        }
    }
}
