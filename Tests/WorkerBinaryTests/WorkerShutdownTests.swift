import AnimaRedis
import AnimaTestSupport
import Foundation
import Glibc
import Testing

/// SIGTERM: running handlers finish within the grace, or their events go back unharmed.
@Suite("Worker: shutdown")
struct WorkerShutdownTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func stopSignalLetsTheRunningHandlerFinishThenExitsZero(_ signal: Int32) async throws {
        try await PipelineFixture.run { f in
            let handler = #"\#(f.markStart); sleep 1.5; \#(f.record())"#
            let worker = try await f.startWorker(["*=\(handler)"])
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitForHandlerStart(), "the handler never started")
            let status = await worker.stop(signal: signal, timeout: .seconds(10))
            #expect(status == .exited(0), "signal \(signal): expected exit 0, saw \(status); stderr: \(worker.process.standardError)")
            #expect(try await f.isDone(event.id), "signal \(signal): the running event was not completed before the exit")
            #expect(f.lines("runs.log") == ["\(event.id) 1"], "runs: \(f.lines("runs.log"))")
            #expect(try await f.isIdle())
        }
    }

    @Test func sigtermPastTheGracePutsTheEventBackUncountedForAnotherWorker() async throws {
        try await PipelineFixture.run { f in
            let slow = #"\#(f.markStart); sleep 10; echo finished >> '\#(f.path("slow.log"))'"#
            let worker = try await f.startWorker(["*=\(slow)"], environment: ["ANIMA_SHUTDOWN_GRACE_SECONDS": "0.5"])
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitForHandlerStart(), "the handler never started")
            let status = await worker.stop(signal: SIGTERM, timeout: TestTime.scaled(.seconds(30)))
            #expect(status == .exited(0), "expected exit 0, saw \(status); stderr: \(worker.process.standardError)")
            // The grace ended it, not the handler: its `sleep 10` never finished.
            #expect(f.lines("slow.log").isEmpty, "the handler ran to its end instead of being interrupted after the grace")
            #expect(
                worker.process.standardError.contains("interrupted by shutdown"),
                "expected the worker to log the interruption; stderr:\n\(worker.process.standardError)"
            )
            let pending = try await f.entries()
            #expect(
                pending == [Array(event.body.utf8)],
                "expected the raw body back on anima:events, saw \(pending.map { String(decoding: $0, as: UTF8.self) })"
            )
            #expect(try await f.get("anima:event:\(event.id)") == nil, "the interrupted attempt left its lease")

            try await f.startWorker(["*=\(f.record())"])
            #expect(await f.waitUntilDone([event.id]))
            #expect(f.lines("runs.log") == ["\(event.id) 1"], "expected attempt 1 on the second worker, saw \(f.lines("runs.log"))")
            #expect(f.lines("slow.log").isEmpty, "the interrupted handler kept running and finished")
        }
    }

    @Test func cleanStopLeavesTheLiveWorkerSetAtOnce() async throws {
        try await PipelineFixture.run { f in
            let worker = try await f.startWorker(["*=builtin:ack"], environment: ["ANIMA_RECOVERY_SECONDS": "60"])
            let status = await worker.stop(signal: SIGTERM)
            #expect(status == .exited(0), "saw \(status)")
            let member = try await f.client.send(RedisCommand("SISMEMBER", "anima:workers", worker.id)).int
            #expect(member == 0, "\(worker.id) is still in anima:workers after its clean stop")
            #expect(try await f.get("anima:worker:\(worker.id)") == nil, "its heartbeat key is still there")
        }
    }
}
