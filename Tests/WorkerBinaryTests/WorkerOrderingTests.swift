import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// `ANIMA_ORDER_KEY` through the real binaries: events of one key one at a time, in the order
/// stored, across workers; visible while they wait; one key for every worker.
@Suite("Worker: ordered events")
struct WorkerOrderingTests {
    static let ordered = ["ANIMA_ORDER_KEY": "data.key", "ANIMA_WORKER_CONCURRENCY": "4"]

    /// An event of `key` whose id says its key and place (`k1-3-…`); `fail` makes its first
    /// attempt fail.
    static func event(key: String, place: Int, fail: Bool = false) -> (id: String, body: String) {
        let id = "\(key)-\(place)-\(fail ? "fail-" : "")\(UUID().uuidString.prefix(8).lowercased())"
        return (id, #"{"id":"\#(id)","type":"resource.updated","data":{"key":"\#(key)"}}"#)
    }

    /// Logs `start ID`, then `fail ID` (first attempt of a `-fail-` event, exit 1) or `end ID`.
    static func handler(_ f: PipelineFixture) -> String {
        let log = f.path("marks.log")
        return
            #"echo "start $ANIMA_EVENT_ID" >> '\#(log)'; sleep 0.02; case "$ANIMA_EVENT_ID" in *-fail-*) if [ "$ANIMA_EVENT_ATTEMPT" = 1 ]; then echo "fail $ANIMA_EVENT_ID" >> '\#(log)'; exit 1; fi;; esac; echo "end $ANIMA_EVENT_ID" >> '\#(log)'"#
    }

    /// What went wrong with one key's marks: two runs overlapping, or successes out of order.
    static func violations(of marks: [String], key: String, count: Int) -> [String] {
        let mine = marks.filter { $0.split(separator: " ").last?.hasPrefix(key + "-") == true }
        var problems: [String] = []
        var running: String?
        var ended: [Int] = []
        for mark in mine {
            let parts = mark.split(separator: " ").map(String.init)
            if parts[0] == "start" {
                if let running { problems.append("\(parts[1]) started while \(running) ran") }
                running = parts[1]
            } else {
                running = nil
                if parts[0] == "end" { ended.append(Int(parts[1].split(separator: "-")[1])!) }
            }
        }
        if ended != Array(0..<count) { problems.append("key \(key): successes in the order \(ended), expected 0..<\(count)") }
        return problems
    }

    @Test func eventsOfOneKeyRunOneAtATimeInStoredOrderAcrossTwoWorkers() async throws {
        try await PipelineFixture.run { f in
            for _ in 0..<2 { try await f.startWorker(["*=\(Self.handler(f))"], environment: Self.ordered) }
            let keys = ["k1", "k2", "k3"]
            var ids: [String] = []
            for place in 0..<6 {
                for key in keys {
                    let event = Self.event(key: key, place: place, fail: key == "k2" && place == 2)
                    ids.append(event.id)
                    try await f.push(event.body)
                }
            }
            #expect(await f.waitUntilDone(ids, timeout: .seconds(60)), "not every event was handled; logs: \(f.workerLogs)")
            let marks = f.lines("marks.log")
            let problems = keys.flatMap { Self.violations(of: marks, key: $0, count: 6) }
            #expect(problems.isEmpty, "expected one run at a time per key, successes in stored order; saw \(problems)")
            #expect(marks.contains { $0.hasPrefix("fail k2-2-") }, "expected k2-2's first attempt to fail; marks: \(marks)")
        }
    }

    @Test func aWaitingEventIsShownByStatsAndEventsShowAndNothingIsLeftAfterwards() async throws {
        try await PipelineFixture.run { f in
            try await f.startWorker(["*=\(f.markStart); \(f.waitForGate)"], environment: Self.ordered)
            let first = Self.event(key: "K", place: 0)
            let second = Self.event(key: "K", place: 1)
            try await f.push(first.body)
            try await f.push(second.body)
            #expect(await f.waitForHandlerStart(), "the first event's handler never started")
            let waiting = await eventually(timeout: .seconds(10)) {
                (try? await f.client.send(RedisCommand("HLEN", "anima:ordered:waits")))?.int == 1
            }
            #expect(waiting, "expected the second event waiting for key K")
            let stats = try await f.admin("stats", "--json")
            let waitingCount = jsonObject(stats.standardOutput)?["ordered_waiting"] as? Int
            #expect(waitingCount == 1, "expected stats ordered_waiting 1, saw \(stats)")
            let shown = try await f.admin("events", "show", second.id, "--json")
            let object = jsonObject(shown.standardOutput)
            #expect(object?["state"] as? String == "waiting", "expected state waiting, saw \(shown)")
            #expect(object?["waiting_behind"] as? String == first.id, "expected it to wait behind \(first.id), saw \(shown)")
            try f.openGate()
            #expect(await f.waitUntilDone([first.id, second.id], timeout: .seconds(20)))
            let left = try await f.client.send(RedisCommand("KEYS", "anima:ordered:*")).array ?? []
            #expect(left.isEmpty, "expected nothing left for key K once both are done, saw \(left)")
        }
    }

    @Test func aWorkerWithAnotherOrderKeyThanTheLiveOnesRefusesToStart() async throws {
        try await PipelineFixture.run { f in
            try await f.startWorker(["*=builtin:ack"], environment: Self.ordered)
            let other = try await f.startWorker(
                ["*=builtin:ack"], environment: ["ANIMA_ORDER_KEY": "data.other"], waitUntilRegistered: false)
            let status = await other.process.waitForExit(timeout: .seconds(30))
            #expect(status != nil && status != .exited(0), "expected a non-zero exit, saw \(String(describing: status))")
            let firstLine = other.process.standardError.split(separator: "\n").first { $0.contains("refusing to start") }
            #expect(
                firstLine?.contains("ANIMA_ORDER_KEY=data.key") == true,
                "expected the refusal to name the live key; stderr: \(other.process.standardError)")
        }
    }
}
