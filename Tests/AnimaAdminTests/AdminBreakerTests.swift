import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// `anima-admin breaker`: set with its defaults, list with the state, reset, clear; bad input
/// changes nothing; a failing type's breaker opens and holds its events.
@Suite("Admin: breakers per type")
struct AdminBreakerTests {
    @Test func aBreakerGetsTheDefaultsAndIsListedClosedAsJSON() async throws {
        try await PipelineFixture.run { f in
            let set = try await f.admin("breaker", "crm.sync")
            #expect(set.succeeded, "\(set)")
            #expect(
                set.standardOutput.contains("opens at 50% failures of at least 20 attempts within 60s; cooldown 30s"),
                "saw \(set.standardOutput)"
            )
            let run = try await f.admin("breaker", "--json")
            let list = try #require(AdminLimitTests.jsonArray(run.standardOutput), "not a JSON array: \(run)")
            let expected: [String: String] = [
                "type": "crm.sync", "state": "closed", "probe_at": "null", "failure_rate": "0.5", "min_attempts": "20",
                "window_seconds": "60", "cooldown_seconds": "30", "held": "0",
            ]
            let seen = list.first?.mapValues(AdminLimitTests.text) ?? [:]
            #expect(list.count == 1 && seen == expected, "expected [\(expected)], saw \(list)")
        }
    }

    @Test func givenSettingsReplaceTheDefaults() async throws {
        try await PipelineFixture.run { f in
            let args = ["breaker", "crm.sync", "--failure-rate", "0.25", "--min-attempts", "5", "--window", "15m", "--cooldown", "2h"]
            #expect(try await AdminProcess.run(args + ["--redis-url", f.redis.url]).succeeded)
            let stored = try await f.client.send(RedisCommand("HGET", "anima:breakers", "crm.sync")).string ?? "none"
            let expected = #"{"cooldown_ms":7200000,"failure_rate":0.25,"min_attempts":5,"window_ms":900000}"#
            #expect(stored == expected, "expected \(expected), saw \(stored)")
        }
    }

    @Test(arguments: [
        (["breaker", "crm.sync", "--failure-rate", "0"], "--failure-rate must be a share above 0"),
        (["breaker", "crm.sync", "--failure-rate", "1.5"], "--failure-rate must be a share above 0"),
        (["breaker", "crm.sync", "--min-attempts", "0"], "--min-attempts must be a whole number"),
        (["breaker", "crm.sync", "--window", "0s"], "--window must be a duration above zero"),
        (["breaker", "crm.sync", "--cooldown", "soon"], "--cooldown must be a duration above zero"),
        (["breaker", "crm.sync", "--clear", "--reset"], "give --clear or --reset, not both"),
        (["breaker", "crm.sync", "--reset", "--window", "10s"], "--reset takes no settings"),
    ])
    func badInputFailsWithOneClearLineAndChangesNothing(_ arguments: [String], _ expected: String) async throws {
        try await PipelineFixture.run { f in
            #expect(try await f.admin("breaker", "crm.sync", "--min-attempts", "7").succeeded)
            let before = try await f.client.send(RedisCommand("HGET", "anima:breakers", "crm.sync")).string
            let run = try await AdminProcess.run(arguments + ["--redis-url", f.redis.url])
            #expect(run.failed, "expected a non-zero exit: \(run)")
            #expect(
                run.errorLines.first?.contains(expected) == true,
                "expected the first stderr line to say '\(expected)', saw \(run.errorLines)"
            )
            let after = try await f.client.send(RedisCommand("HGET", "anima:breakers", "crm.sync")).string
            #expect(after == before, "expected the breaker unchanged (\(before ?? "none")), saw \(after ?? "none")")
        }
    }

    @Test func aFailingTypeOpensItsBreakerHoldsItsEventsAndResetClosesIt() async throws {
        try await PipelineFixture.run { f in
            let set = try await f.admin("breaker", "crm.sync", "--min-attempts", "2", "--failure-rate", "0.5", "--cooldown", "1h")
            #expect(set.succeeded, "\(set)")
            let worker = try await f.startWorker(["*=exit 1"], environment: ["ANIMA_MAX_ATTEMPTS": "50"])
            for _ in 0..<2 { try await f.push(makeEvent("crm.sync").body) }
            let opened = try await eventually {
                jsonObject(try await f.admin("stats", "--json").standardOutput)?["open_breakers"] as? [String] == ["crm.sync"]
            }
            #expect(opened, "the breaker did not open after two failed attempts")
            let late = makeEvent("crm.sync")
            try await f.push(late.body)
            #expect(try await eventually { try await f.count("anima:held:crm.sync") >= 1 }, "the late event was not held back")
            let shown = try #require(jsonObject(try await f.admin("events", "show", late.id, "--json").standardOutput))
            let seen = "\(shown["state"] ?? "none") \(shown["held_by"] ?? "none")"
            #expect(seen == "held breaker", "expected state held by the breaker, saw \(seen)")
            let list = try #require(AdminLimitTests.jsonArray(try await f.admin("breaker", "--json").standardOutput)?.first)
            #expect(list["state"] as? String == "open" && list["probe_at"] is String, "expected open with its probe time, saw \(list)")
            let text = try await f.admin("breaker").standardOutput
            #expect(text.contains("open, probe due"), "expected the probe's due time in the listing, saw \(text)")
            _ = await worker.stop()  // so that no attempt opens it again meanwhile
            let reset = try await f.admin("breaker", "crm.sync", "--reset")
            #expect(reset.standardOutput.contains("closed the breaker of crm.sync"), "\(reset)")
            let after = try #require(AdminLimitTests.jsonArray(try await f.admin("breaker", "--json").standardOutput)?.first)
            #expect(after["state"] as? String == "closed", "expected closed after --reset, saw \(after)")
            #expect(try await f.count("anima:dead") == 0, "a held event reached the dead letters")
        }
    }

    @Test func clearRemovesTheBreakerAndQueuesItsHeldEventsAgain() async throws {
        try await PipelineFixture.run { f in
            #expect(try await f.admin("breaker", "crm.sync").succeeded)
            _ = try await f.client.send(RedisCommand("LPUSH", "anima:held:crm.sync", makeEvent("crm.sync").body))
            let run = try await f.admin("breaker", "crm.sync", "--clear")
            #expect(run.standardOutput.contains("cleared the breaker of crm.sync: 1 held events queued again"), "\(run)")
            #expect(try await f.count("anima:events") == 1, "expected the held event pending again")
            #expect(try await f.client.send(RedisCommand("HLEN", "anima:breakers")).int == 0, "expected no breaker left")
        }
    }
}
