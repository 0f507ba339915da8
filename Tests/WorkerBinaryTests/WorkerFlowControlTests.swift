import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// Limits and breakers through the real binaries: an outage of the service behind a forwarding
/// handler, with and without a breaker; a concurrency limit across two workers; held events use
/// no attempt.
@Suite("Worker: flow control")
struct WorkerFlowControlTests {
    static let type = "resource.updated"
    static let environment = ["ANIMA_MAX_ATTEMPTS": "3", "ANIMA_RETRY_MAX_SECONDS": "1"]
    /// Opens after 4 failed attempts of 4; the first probe comes 1 s later.
    static let breaker = BreakerSettings(failureRate: 0.5, minAttempts: 4, window: .seconds(60), cooldown: .seconds(1))

    static func controls(_ f: PipelineFixture) -> FlowControls { FlowControls(keys: QueueKeys(), client: f.client) }

    static func push(_ f: PipelineFixture, count: Int) async throws -> [String] {
        var ids: [String] = []
        for _ in 0..<count {
            let event = makeEvent(type)
            ids.append(event.id)
            try await f.push(event.body)
        }
        return ids
    }

    @Test func withABreakerAnOutageDeadLettersNothingAndEveryEventRunsAfterRecovery() async throws {
        try await PipelineFixture.run { f in
            try await StubHTTPServer.run(otherwise: .init(status: 503)) { service in
                try await Self.controls(f).setBreaker(Self.breaker, for: Self.type)
                try await f.startWorker(["\(Self.type)=\(service.url())"], environment: Self.environment)
                let ids = try await Self.push(f, count: 20)
                // The outage lasts until the breaker has opened, probed and opened again.
                let reopened = await eventually(timeout: .seconds(30)) {
                    (try? await f.client.send(RedisCommand("HGET", "anima:breaker:\(Self.type)", "cooldown")).string) == "2000"
                }
                #expect(reopened, "expected the breaker to open and a failed probe to reopen it; logs: \(f.workerLogs)")
                service.answerOtherwise(.ok)
                #expect(
                    await f.waitUntilDone(ids, timeout: .seconds(60)), "expected every event handled after recovery; logs: \(f.workerLogs)")
                let dead = try await f.count("anima:dead")
                #expect(dead == 0, "expected no dead letters with a breaker, saw \(dead)")
                let failed = service.requests.count - ids.count
                #expect(
                    failed < ids.count * 2,
                    "expected the breaker to spare the failing service, saw \(failed) failed requests for \(ids.count) events")
                #expect(f.workerLogs.contains("breaker for \(Self.type) opened"), "expected a warning line for the opening")
                #expect(f.workerLogs.contains("breaker for \(Self.type) closed"), "expected a warning line for the closing")
            }
        }
    }

    @Test func withoutABreakerTheSameOutageDeadLettersEveryEvent() async throws {
        try await PipelineFixture.run { f in
            try await StubHTTPServer.run(otherwise: .init(status: 503)) { service in
                try await f.startWorker(["\(Self.type)=\(service.url())"], environment: Self.environment)
                let ids = try await Self.push(f, count: 20)
                #expect(await f.waitForDeadLetters(ids.count, timeout: .seconds(60)), "expected all 20 dead-lettered without a breaker")
                #expect(
                    service.requests.count == ids.count * 3, "expected 3 failed attempts per event, saw \(service.requests.count) requests")
            }
        }
    }

    @Test func aConcurrencyLimitHoldsAcrossTwoWorkers() async throws {
        try await PipelineFixture.run { f in
            try await Self.controls(f).setLimit(FlowLimit(concurrency: 2), for: Self.type)
            let marks = f.path("marks.log")
            let handler = #"echo "start $ANIMA_EVENT_ID" >> '\#(marks)'; sleep 0.1; echo "end $ANIMA_EVENT_ID" >> '\#(marks)'"#
            for _ in 0..<2 { try await f.startWorker(["\(Self.type)=\(handler)"], environment: ["ANIMA_WORKER_CONCURRENCY": "4"]) }
            let ids = try await Self.push(f, count: 12)
            #expect(await f.waitUntilDone(ids, timeout: .seconds(60)), "not every event was handled; logs: \(f.workerLogs)")
            var running = 0
            var most = 0
            for mark in f.lines("marks.log") {
                running += mark.hasPrefix("start") ? 1 : -1
                most = max(most, running)
            }
            #expect(most == 2, "expected at most (and at some point exactly) 2 runs at once across both workers, saw \(most)")
        }
    }

    @Test func heldBackEventsUseNoAttempt() async throws {
        try await PipelineFixture.run { f in
            try await Self.controls(f).setLimit(FlowLimit(concurrency: 1, rate: FlowLimit.Rate("20/s")), for: Self.type)
            for _ in 0..<2 { try await f.startWorker(["\(Self.type)=\(f.record())"]) }
            let ids = try await Self.push(f, count: 20)
            #expect(await f.waitUntilDone(ids, timeout: .seconds(60)), "not every event was handled; logs: \(f.workerLogs)")
            let attempts = Set(f.lines("runs.log").map { $0.split(separator: " ").last.map(String.init) ?? "?" })
            #expect(attempts == ["1"], "expected every event handled at its first attempt, saw attempts \(attempts)")
            let held = try await f.client.send(RedisCommand("EXISTS", "anima:held:\(Self.type)")).int
            #expect(held == 0, "expected no event left held back")
        }
    }

    @Test func anOpenBreakerAndItsHeldEventsAreOnMetrics() async throws {
        try await PipelineFixture.run { f in
            try await Self.controls(f).setBreaker(
                BreakerSettings(failureRate: 0.5, minAttempts: 2, window: .seconds(60), cooldown: .seconds(3600)), for: Self.type)
            let port = FreePort.find()
            try await f.startWorker(
                ["\(Self.type)=exit 1"], environment: ["ANIMA_METRICS_PORT": String(port), "ANIMA_WORKER_CONCURRENCY": "1"])
            _ = try await Self.push(f, count: 4)
            let http = HTTPTestClient(port: port)
            let lines = [#"anima_breaker_open{type="resource.updated"} 1"#, #"anima_flow_held_events{type="resource.updated"} "#]
            var metrics = ""
            let shown = await eventually(timeout: .seconds(30)) {
                metrics = (try? await http.request("GET", "/metrics").text) ?? ""
                return lines.allSatisfy { metrics.contains($0) } && !metrics.contains(#"anima_flow_held_events{type="resource.updated"} 0"#)
            }
            #expect(shown, "expected \(lines) (held above 0) in /metrics, saw:\n\(metrics)")
        }
    }
}
