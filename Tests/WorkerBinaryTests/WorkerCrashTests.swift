import AnimaRedis
import AnimaTestSupport
import Foundation
import Glibc
import Testing

/// Workers that die and a Redis that goes away: nothing is lost, nothing runs twice.
@Suite("Worker: crashes and outages")
struct WorkerCrashTests {
    @Test func eventOfAKilledWorkerIsCompletedByAnotherWithinTheRecoveryTime() async throws {
        try await PipelineFixture.run { f in
            // `$$`: the shell, leader of the command's own process group.
            let handler = #"echo $$ >> '\#(f.path("groups.log"))'; \#(f.markStart); sleep 3; \#(f.record())"#
            let first = try await f.startWorker(["*=\(handler)"])
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitForHandlerStart(), "the handler never started")
            await first.stop(signal: SIGKILL)
            let second = try await f.startWorker(["*=\(f.record())"])
            // Recovery 2 s: the lease and heartbeat live 1 s. The bound only stops a hung test.
            #expect(await f.waitUntilDone([event.id], timeout: TestTime.scaled(.seconds(30))), "not completed after the kill")
            let said = await eventually(timeout: TestTime.scaled(.seconds(5))) {
                second.process.standardError.contains("recovered 1 events of stopped workers")
            }
            #expect(
                said,
                "expected the live worker to say it recovered the event; stderr:\n\(second.process.standardError)"
            )
            // The killed worker's command must die with it (its orphan reaper kills the group): once
            // no process of that group is left, nothing can record a run of attempt 1 any more.
            let group = try #require(f.lines("groups.log").first.flatMap { Int32($0) }, "the handler wrote no process group")
            let gone = await eventually(timeout: .seconds(10)) { livingProcesses(inGroup: group).isEmpty }
            #expect(gone, "the killed worker's command still runs: processes \(livingProcesses(inGroup: group)) of group \(group)")
            #expect(f.lines("runs.log") == ["\(event.id) 2"], "expected one run (attempt 2), saw \(f.lines("runs.log"))")
        }
    }

    @Test func redisRestartMidRunDoesNotStopTheWorkerAndEveryEventRunsOnce() async throws {
        try await PipelineFixture.run { f in
            // The first handler is held at the gate while Redis restarts (its data is lost: no
            // persistence), so it finishes, and must record its result, once Redis is back.
            let worker = try await f.startWorker([#"*=\#(f.markStart); \#(f.waitForGate); \#(f.record())"#])
            let before = makeEvent()
            try await f.push(before.body)
            #expect(await f.waitForHandlerStart(), "the handler never started")
            await f.redis.stop()
            try await Task.sleep(for: .milliseconds(500))
            try await f.redis.start()
            // The test's own client notices the restart on its next command, like the worker.
            let reconnected = await eventually { (try? await f.client.send(RedisCommand("PING")).string) == "PONG" }
            try #require(reconnected, "the test client could not reach the restarted Redis")
            try f.openGate()
            let after = (0..<3).map { _ in makeEvent() }
            for event in after { try await f.push(event.body) }
            let ids = [before.id] + after.map(\.id)
            let done = await f.waitUntilDone(ids, timeout: .seconds(15))
            #expect(
                done,
                "not every event was handled after the restart; runs \(f.lines("runs.log")); worker stderr:\n\(worker.process.standardError)"
            )
            #expect(worker.isRunning, "the worker stopped when Redis went away: \(worker.process.standardError)")
            let runs = f.lines("runs.log").map { $0.split(separator: " ")[0] }.sorted()
            #expect(runs == ids.sorted().map { Substring($0) }, "expected each id once, saw \(runs)")
        }
    }

    @Test func eventLeftInALiveWorkersListByALostTakeReplyIsHandledOnce() async throws {
        try await PipelineFixture.run { f in
            let worker = try await f.startWorker(["*=\(f.record())"])
            // What a take leaves when Redis ran it but its reply never reached the worker (the
            // connection dropped or timed out in between): the entry in the worker's processing
            // list, unknown to the worker, which is alive, so no recovery would ever move it.
            let event = makeEvent()
            _ = try await f.client.send(RedisCommand("LPUSH", "anima:processing:\(worker.id)", event.body))
            // The failure the worker sees: the connection it takes on is cut while it waits in a take.
            var taker: Substring?
            let waiting = await eventually {
                let clients = (try? await f.client.send(RedisCommand("CLIENT", "LIST")).string) ?? ""
                taker = clients.split(separator: "\n").first { $0.contains("cmd=blmove") }
                return taker != nil
            }
            try #require(waiting, "the worker never waited in a take (BLMOVE)")
            let id = try #require(taker?.split(separator: " ").first { $0.hasPrefix("id=") }?.dropFirst(3))
            _ = try await f.client.send(RedisCommand("CLIENT", "KILL", "ID", String(id)))
            #expect(
                await f.waitUntilDone([event.id], timeout: .seconds(10)),
                "the stranded event was not handled; worker stderr:\n\(worker.process.standardError)"
            )
            #expect(f.lines("runs.log") == ["\(event.id) 1"], "expected one run (attempt 1), saw \(f.lines("runs.log"))")
            #expect(
                worker.process.standardError.contains("returned 1 events to the queue that sat in this worker's processing list unheld"),
                "expected the worker to say it returned the event; stderr:\n\(worker.process.standardError)"
            )
        }
    }

    @Test func leaseThatExpiredWhileTheHandlerRunsIsTakenAgain() async throws {
        try await PipelineFixture.run { f in
            try await f.startWorker([#"*=\#(f.markStart); \#(f.waitForGate); \#(f.record())"#])
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitForHandlerStart(), "the handler never started")
            // As after an outage longer than the lease: the lease is gone, the handler runs on.
            _ = try await f.client.send(RedisCommand("DEL", "anima:event:\(event.id)"))
            let retaken = await eventually { (try? await f.get("anima:event:\(event.id)"))?.hasPrefix("lease:") == true }
            #expect(retaken, "the renewal did not take the expired lease again")
            try f.openGate()
            #expect(await f.waitUntilDone([event.id]), "not completed after the lease was taken again")
            #expect(f.lines("runs.log") == ["\(event.id) 1"], "expected one run, saw \(f.lines("runs.log"))")
        }
    }

    @Test func poisonEventThatKillsItsWorkerEndsInTheDeadLetters() async throws {
        try await PipelineFixture.run { f in
            let handlers = [
                #"poison=echo "$ANIMA_EVENT_ATTEMPT" >> '\#(f.path("kills.log"))'; kill -9 $PPID; sleep 5"#,
                "resource.created=\(f.record())",
            ]
            // One slot: the poison is alone in flight when it kills (an event in flight beside it
            // would be recovered with an attempt counted too, as the contract says).
            let environment = ["ANIMA_MAX_ATTEMPTS": "2", "ANIMA_RECOVERY_SECONDS": "1", "ANIMA_WORKER_CONCURRENCY": "1"]
            var worker = try await f.startWorker(handlers, environment: environment)
            let good = (0..<4).map { _ in makeEvent() }
            let poison = makeEvent("poison")
            try await f.push(good[0].body)
            try await f.push(poison.body)
            for event in good.dropFirst() { try await f.push(event.body) }
            var restarts = 0
            // The supervisor: restart the worker whenever it dies, until the poison is dead-lettered.
            let settled = try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
                if !worker.isRunning {
                    restarts += 1
                    // Not waiting for its registration: it may well die of the poison first.
                    worker = try await f.startWorker(handlers, environment: environment, waitUntilRegistered: false)
                }
                guard try await f.count("anima:dead") >= 1 else { return false }
                return await f.waitUntilDone(good.map(\.id), timeout: .zero)
            }
            let letters = try await f.deadLetters().compactMap(jsonObject)
            #expect(settled, "after \(restarts) restarts: dead \(letters), runs \(f.lines("runs.log"))")
            #expect(letters.count == 1 && letters.first?["id"] as? String == poison.id, "dead letters: \(letters)")
            #expect(letters.first?["attempts"] as? Int == 2, "attempts: \(letters.first?["attempts"] ?? "missing")")
            #expect(f.lines("kills.log") == ["1", "2"], "expected attempts 1 and 2 to kill the worker, saw \(f.lines("kills.log"))")
            #expect(worker.isRunning, "the last worker died too")
            let after = makeEvent()
            try await f.push(after.body)
            #expect(await f.waitUntilDone([after.id]), "an event pushed after the poison was not handled")
            let runs = f.lines("runs.log").sorted()
            let expected = (good + [after]).map { "\($0.id) 1" }.sorted()
            #expect(runs == expected, "expected each good event to run once, saw \(runs)")
        }
    }

    @Test func handlerLongerThanTheLeaseIsNotTakenOverWhileItsWorkerLives() async throws {
        try await PipelineFixture.run { f in
            // Recovery 1 s: leases and heartbeats live 0.5 s and must be renewed during the 2 s run.
            let environment = ["ANIMA_RECOVERY_SECONDS": "1"]
            let handler = "sleep 2; \(f.record())"
            try await f.startWorker(["*=\(handler)"], environment: environment)
            try await f.startWorker(["*=\(handler)"], environment: environment)
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitUntilDone([event.id], timeout: .seconds(8)))
            #expect(await eventually { (try? await f.isIdle()) == true }, "something is still pending or scheduled")
            #expect(f.lines("runs.log") == ["\(event.id) 1"], "expected one run, saw \(f.lines("runs.log"))")
        }
    }

    @Test func redisDownAtStartDoesNotStopTheWorker() async throws {
        try await PipelineFixture.run { f in
            await f.redis.stop()
            let worker = try await f.startWorker(["*=\(f.record())"], waitUntilRegistered: false)
            // It has met the outage (its log says so) and still runs.
            let met = await eventually(timeout: .seconds(10)) { worker.process.standardError.contains("retrying with backoff") }
            #expect(met, "the worker never said it met Redis down; stderr:\n\(worker.process.standardError)")
            #expect(worker.isRunning, "the worker stopped while Redis was down: \(worker.process.standardError)")
            try await f.redis.start()
            let reconnected = await eventually { (try? await f.client.send(RedisCommand("PING")).string) == "PONG" }
            try #require(reconnected, "the test client could not reach the started Redis")
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitUntilDone([event.id], timeout: .seconds(10)), "not handled once Redis came up")
            #expect(f.lines("runs.log") == ["\(event.id) 1"], "runs: \(f.lines("runs.log"))")
        }
    }
}

/// The pids of processes in process group `group` that have not exited (zombies count as
/// exited), from `/proc`.
func livingProcesses(inGroup group: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> Int32? in
        guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm) ": state, ppid, pgrp.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 2, fields[0] != "Z", Int32(fields[2]) == group else { return nil }
        return pid
    }
}
