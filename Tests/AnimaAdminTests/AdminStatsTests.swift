import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// `anima-admin stats`, and what every command does when Redis is unreachable.
@Suite("Admin: stats and errors")
struct AdminStatsTests {
    @Test func statsJSONCountsPendingScheduledInFlightDeadAndWorkers() async throws {
        try await PipelineFixture.run { f in
            // One live worker with its only slot busy: what is pushed next stays pending.
            let handler = #"\#(f.markStart); sleep 20"#
            try await f.startWorker(
                ["*=\(handler)"],
                environment: ["ANIMA_WORKER_CONCURRENCY": "1", "ANIMA_SHUTDOWN_GRACE_SECONDS": "0.2"]
            )
            try await f.push(makeEvent().body)
            #expect(await f.waitForHandlerStart(), "the handler never started")
            for _ in 0..<2 { try await f.push(makeEvent().body) }
            _ = try await f.client.send(RedisCommand("ZADD", "anima:scheduled", "99999999999999", makeEvent().body))
            for index in 0..<3 { _ = try await f.client.send(RedisCommand("LPUSH", "anima:dead", #"{"dead_id":"dl_\#(index)"}"#)) }

            let run = try await f.admin("stats", "--json")
            #expect(run.succeeded, "\(run)")
            let stats = try #require(jsonObject(run.standardOutput), "not a JSON object: \(run.standardOutput)")
            let expected = ["pending": 2, "scheduled": 1, "in_flight": 1, "dead": 3, "workers": 1]
            for (field, value) in expected.sorted(by: { $0.key < $1.key }) {
                #expect(stats[field] as? Int == value, "\(field): expected \(value), saw \(stats[field] ?? "missing")")
            }
        }
    }

    @Test(arguments: [["stats"], ["stats", "--json"], ["dlq", "list"], ["dlq", "replay", "--all"], ["dlq", "purge", "--yes"]])
    func unreachableRedisFailsWithOneLine(_ command: [String]) async throws {
        let run = try await AdminProcess.run(command + ["--redis-url", "redis://127.0.0.1:1/0"], timeout: .seconds(20))
        #expect(run.failed, "expected a non-zero exit: \(run)")
        #expect(run.errorLines.count == 1, "expected one stderr line, saw \(run.errorLines)")
    }
}
