import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// `anima-admin limit`: set, list, clear; bad input changes nothing; a held event says why.
@Suite("Admin: limits per type")
struct AdminLimitTests {
    /// The JSON array `text`, nil when it is not one.
    static func jsonArray(_ text: String) -> [[String: Any]]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]]
    }

    /// A JSON value as text: `null` for null.
    static func text(_ value: Any?) -> String {
        guard let value else { return "missing" }
        return value is NSNull ? "null" : "\(value)"
    }

    @Test func aLimitIsListedAsJSONWithItsConcurrencyRateRunningAndHeld() async throws {
        try await PipelineFixture.run { f in
            let set = try await f.admin("limit", "crm.sync", "--concurrency", "2", "--rate", "50/s")
            #expect(set.succeeded, "\(set)")
            #expect(set.standardOutput.contains("concurrency 2, rate 50/s"), "expected the limit said back, saw \(set.standardOutput)")
            #expect(try await f.admin("limit", "mail.send", "--rate", "600/m").succeeded)
            let run = try await f.admin("limit", "--json")
            let list = try #require(Self.jsonArray(run.standardOutput), "not a JSON array: \(run)")
            let seen = list.map { object in
                ["type", "concurrency", "rate", "running", "held"].map { Self.text(object[$0]) }.joined(separator: " ")
            }
            let expected = ["crm.sync 2 50/s 0 0", "mail.send null 600/m 0 0"]
            #expect(seen == expected, "expected \(expected), saw \(seen)")
        }
    }

    @Test func statsListsTheLimitedTypesSorted() async throws {
        try await PipelineFixture.run { f in
            for type in ["mail.send", "crm.sync"] { #expect(try await f.admin("limit", type, "--concurrency", "1").succeeded) }
            let stats = try #require(jsonObject(try await f.admin("stats", "--json").standardOutput))
            #expect(stats["limited"] as? [String] == ["crm.sync", "mail.send"], "saw limited \(stats["limited"] ?? "missing")")
            #expect(stats["open_breakers"] as? [String] == [], "saw open_breakers \(stats["open_breakers"] ?? "missing")")
            #expect(stats["held_back"] as? Int == 0, "saw held_back \(stats["held_back"] ?? "missing")")
            let text = try await f.admin("stats").standardOutput
            #expect(text.contains("limited    crm.sync, mail.send"), "expected the limited types in the text, saw \(text)")
        }
    }

    @Test(arguments: [
        (["limit", "crm.sync"], "give --concurrency N or --rate N/s|N/m"),
        (["limit", "crm.sync", "--rate", "fifty"], "--rate must be N/s or N/m"),
        (["limit", "crm.sync", "--concurrency", "0"], "--concurrency must be a whole number from 1"),
        (["limit", "crm.sync", "--concurrency", "two"], "--concurrency must be a whole number from 1"),
        (["limit", "crm.sync", "--clear", "--concurrency", "2"], "--clear removes the limit"),
        (["limit", "--concurrency", "2"], "give the event type"),
    ])
    func badInputFailsWithOneClearLineAndChangesNothing(_ arguments: [String], _ expected: String) async throws {
        try await PipelineFixture.run { f in
            #expect(try await f.admin("limit", "crm.sync", "--concurrency", "3").succeeded)
            let run = try await AdminProcess.run(arguments + ["--redis-url", f.redis.url])
            #expect(run.failed, "expected a non-zero exit: \(run)")
            let first = run.errorLines.first ?? ""
            #expect(first.contains(expected), "expected the first stderr line to say '\(expected)', saw \(run.errorLines)")
            let stored = try await f.client.send(RedisCommand("HGET", "anima:limits", "crm.sync")).string
            #expect(stored == #"{"concurrency":3}"#, "expected the limit unchanged, saw \(stored ?? "none")")
        }
    }

    @Test func clearRemovesTheLimitAndSaysHowManyHeldEventsWereQueuedAgain() async throws {
        try await PipelineFixture.run { f in
            #expect(try await f.admin("limit", "crm.sync", "--concurrency", "1").succeeded)
            let held = (0..<2).map { _ in makeEvent("crm.sync") }
            for event in held { _ = try await f.client.send(RedisCommand("LPUSH", "anima:held:crm.sync", event.body)) }
            let run = try await f.admin("limit", "crm.sync", "--clear")
            #expect(run.succeeded, "\(run)")
            #expect(
                run.standardOutput.contains("2 held events queued again"),
                "expected the count of queued events, saw \(run.standardOutput)"
            )
            #expect(try await f.count("anima:held:crm.sync") == 0, "expected no held event left")
            let pending = try await f.entries().map { String(decoding: $0, as: UTF8.self) }
            #expect(pending == held.map(\.body), "expected the held events pending, oldest taken first; saw \(pending)")
            let list = try await f.admin("limit", "--json").standardOutput
            #expect(Self.jsonArray(list)?.isEmpty == true, "expected no limit listed, saw \(list)")
        }
    }

    @Test func anEventOverTheConcurrencyLimitIsShownHeldByTheLimit() async throws {
        try await PipelineFixture.run { f in
            #expect(try await f.admin("limit", "crm.sync", "--concurrency", "1").succeeded)
            try await f.startWorker(["*=\(f.markStart); \(f.waitForGate)"])
            let first = makeEvent("crm.sync")
            let second = makeEvent("crm.sync")
            try await f.push(first.body)
            #expect(await f.waitForHandlerStart(), "the first event never started")
            try await f.push(second.body)
            #expect(try await eventually { try await f.count("anima:held:crm.sync") == 1 }, "the second event was not held back")
            let shown = try #require(jsonObject(try await f.admin("events", "show", second.id, "--json").standardOutput))
            let seen = "\(shown["state"] ?? "none") \(shown["held_by"] ?? "none") \(shown["type"] ?? "none")"
            #expect(seen == "held limit crm.sync", "expected state held, held_by limit, type crm.sync; saw \(seen)")
            let text = try await f.admin("events", "show", second.id).standardOutput
            #expect(text.contains("now: held, held back by the limit of crm.sync"), "expected the reason in the text, saw \(text)")
            try f.openGate()
            #expect(await f.waitUntilDone([first.id, second.id]), "the held event did not run once the slot came free")
        }
    }
}
