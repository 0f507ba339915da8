import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// `anima-admin events show / list` and `pause / resume`, end to end: the real ingress, worker
/// and admin on a throwaway Redis.
@Suite("Admin: events and pause")
struct AdminEventsTests {
    @Test func showGivesEachAttemptWithWorkerResultDurationAndErrorThenTheState() async throws {
        try await PipelineFixture.run { f in
            try await f.startWorker(["*=exit 3"], environment: ["ANIMA_MAX_ATTEMPTS": "2", "ANIMA_RETRY_BASE_SECONDS": "0.1"])
            let event = makeEvent("crm.sync")
            try await f.push(event.body)
            #expect(await f.waitForDeadLetters(1, timeout: TestTime.scaled(.seconds(20))), "the event was not dead-lettered")
            let run = try await f.admin("events", "show", event.id, "--json")
            #expect(run.succeeded, "\(run)")
            let shown = try #require(jsonObject(run.standardOutput), "not a JSON object: \(run.standardOutput)")
            #expect(shown["state"] as? String == "dead", "expected state dead, saw \(shown["state"] ?? "none")")
            let attempts = shown["attempts"] as? [[String: Any]] ?? []
            #expect(attempts.map { $0["result"] as? String } == ["retry", "dead"], "saw \(attempts)")
            #expect(attempts.map { $0["attempt"] as? Int } == [1, 2], "saw \(attempts)")
            for attempt in attempts {
                #expect(
                    (attempt["error"] as? String)?.contains("status 3") == true, "expected the exit status in the error, saw \(attempt)")
                #expect(attempt["duration_ms"] is Int && attempt["worker"] is String && attempt["at"] is String, "saw \(attempt)")
            }
        }
    }

    /// Its success is recorded with the done mark, not indexed: `show` finds it through the mark.
    @Test func showOfAnEventHandledAfterARetryGivesBothAttemptsThenDone() async throws {
        try await PipelineFixture.run { f in
            let gate = f.path("fail-once")
            try await f.startWorker(
                ["*=test -e \(gate) || { touch \(gate); exit 3; }"], environment: ["ANIMA_RETRY_BASE_SECONDS": "0.1"])
            let event = makeEvent("crm.sync")
            try await f.push(event.body)
            #expect(await f.waitUntilDone([event.id], timeout: TestTime.scaled(.seconds(20))), "the event was not handled")
            let shown = try #require(jsonObject(try await f.admin("events", "show", event.id, "--json").standardOutput))
            #expect(shown["state"] as? String == "done", "expected state done, saw \(shown["state"] ?? "none")")
            let attempts = shown["attempts"] as? [[String: Any]] ?? []
            #expect(attempts.map { $0["result"] as? String } == ["retry", "ok"], "expected [retry, ok], saw \(attempts)")
        }
    }

    @Test func showOfAnIdNothingIsKnownOfExitsOne() async throws {
        try await PipelineFixture.run { f in
            let run = try await f.admin("events", "show", "evt_never_seen")
            #expect(run.failed, "expected exit 1, saw \(run)")
            #expect(run.standardOutput.contains("now: unknown"), "saw \(run.standardOutput)")
        }
    }

    @Test func listFiltersByTypeAndResultNewestFirst() async throws {
        try await PipelineFixture.run { f in
            try await f.startWorker(["a.type=builtin:ack", "*=exit 1"], environment: ["ANIMA_MAX_ATTEMPTS": "1"])
            let ok = makeEvent("a.type")
            let bad = makeEvent("b.type")
            try await f.push(ok.body)
            try await f.push(bad.body)
            #expect(await f.waitUntilDone([ok.id]), "the a.type event was not handled")
            #expect(await f.waitForDeadLetters(1), "the b.type event was not dead-lettered")
            let run = try await f.admin("events", "list", "--result", "dead", "--since", "10m", "--json")
            #expect(run.succeeded, "\(run)")
            let list = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [[String: Any]] ?? []
            #expect(list.map { $0["id"] as? String } == [bad.id], "expected only the dead event, saw \(list)")
            #expect(list.first?["type"] as? String == "b.type", "saw \(list)")
        }
    }

    @Test func aPausedTypeWaitsAcrossAWorkerRestartWithoutAttemptsAndRunsInOrderOnResume() async throws {
        try await PipelineFixture.run { f in
            #expect(try await f.admin("pause", "crm.sync").succeeded)
            let worker = try await f.startWorker(["*=\(f.record())"])
            let paused = (0..<3).map { _ in makeEvent("crm.sync") }
            let other = makeEvent("other.type")
            for event in paused { try await f.push(event.body) }
            try await f.push(other.body)
            #expect(await f.waitUntilDone([other.id]), "a paused type must not block other types")
            _ = await worker.stop()
            // One at a time, so that the order of the runs is the order of the takes.
            try await f.startWorker(["*=\(f.record())"], environment: ["ANIMA_WORKER_CONCURRENCY": "1"])
            let stats = try #require(jsonObject(try await f.admin("stats", "--json").standardOutput))
            #expect(
                stats["paused"] as? [String] == ["crm.sync"], "expected crm.sync paused after the restart, saw \(stats["paused"] ?? "none")"
            )
            let shown = try #require(jsonObject(try await f.admin("events", "show", paused[0].id, "--json").standardOutput))
            #expect(shown["state"] as? String == "paused", "expected state paused, saw \(shown["state"] ?? "none")")
            #expect(try await f.count("anima:dead") == 0, "a paused event reached the dead letters")
            #expect(try await f.admin("resume", "crm.sync").succeeded)
            #expect(await f.waitUntilDone(paused.map(\.id)), "the paused events did not run after resume")
            let runs = f.lines("runs.log").filter { line in paused.contains { line.hasPrefix($0.id) } }
            let expected = paused.map { "\($0.id) 1" }
            #expect(runs == expected, "expected each paused event once, attempt 1, in order; saw \(runs)")
        }
    }
}
