import AnimaRedis
import AnimaTestSupport
import Foundation
import Glibc
import Testing

/// A Sentinel failover while signed events stream in: the real ingress (`ANIMA_MIN_REPLICAS=1`)
/// and worker on a `redis-sentinel://` URL carry on, and every event that got a 200 is handled;
/// with ordering on (ten events to a key), no key is left held.
@Suite("Sentinel failover under load")
struct SentinelFailoverUnderLoadTests {
    static let eventCount = 300

    @Test(arguments: [false, true])
    func everyAcceptedEventIsHandledAcrossASentinelFailover(ordered: Bool) async throws {
        try await SentinelTopology.run(replicas: 2, sentinels: 3, quorum: 2) { t in
            let ingress = try await IngressProcess(redisURL: t.url, environment: ["ANIMA_MIN_REPLICAS": "1"])
            let worker = try await WorkerProcess(
                redisURL: t.url,
                handlers: ["*=builtin:ack"],
                environment: PipelineFixture.workerDefaults.merging(ordered ? ["ANIMA_ORDER_KEY": "data.key"] : [:]) { $1 }
            )
            let watcher = RedisClient(configuration: try RedisConfiguration(url: t.firstMaster.url))
            try await withCleanup {
                try await worker.waitUntilRegistered(client: watcher)
                try await check(t, ingress: ingress, worker: worker, ordered: ordered)
            } cleanup: {
                await watcher.shutdown()
                await worker.stop(signal: SIGKILL)
                await ingress.stop(signal: SIGKILL)
            }
        }
    }

    private func check(_ t: SentinelTopology, ingress: IngressProcess, worker: WorkerProcess, ordered: Bool) async throws {
        // Events 100…199 race the failover; from 200 on every event goes after it.
        var accepted: [String] = []
        var refusals = 0
        var failover: Task<(old: RedisServer, new: RedisServer), any Error>?
        for index in 0..<Self.eventCount {
            if index == Self.eventCount / 3 {
                failover = Task { try await t.failover() }
            }
            if index == 2 * Self.eventCount / 3, let failover {
                _ = try await failover.value
            }
            let event = ordered ? makeEvent(data: #"{"key":"k\#(index % 30)"}"#) : makeEvent()
            var last = "nothing"
            let ok = await eventually(timeout: .seconds(30), interval: .milliseconds(50)) {
                do {
                    let answer = try await ingress.postSigned(Array(event.body.utf8))
                    last = "\(answer.status) \(answer.text)"
                    if answer.status == 503 { refusals += 1 }
                    return answer.status == 200
                } catch {
                    last = "\(error)"
                    return false
                }
            }
            guard ok else {
                Issue.record(
                    "event \(index) never got a 200 (last answer: \(last)); ingress stderr:\n\(tail(ingress.process.standardError))"
                )
                break
            }
            accepted.append(event.id)
        }
        let (old, new) = try #require(try await failover?.value, "the failover never started")
        #expect(accepted.count == Self.eventCount, "expected all \(Self.eventCount) events accepted, saw \(accepted.count)")

        let master = await t.currentMaster()
        try #require(master == new.port, "expected the Sentinels to name \(new.port) (old \(old.port)), saw \(String(describing: master))")
        var missing = accepted
        let handled = await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
            missing = (try? await notDone(accepted, on: new.port)) ?? missing
            return missing.isEmpty
        }
        #expect(
            handled,
            """
            \(missing.count) of \(accepted.count) accepted events have no done mark on the new master \(new.port), \
            sent as events \(ranges(missing.compactMap { accepted.firstIndex(of: $0) })) (the failover was ordered before \
            event \(Self.eventCount / 3) and was over by event \(2 * Self.eventCount / 3)); \(refusals) 503s while sending
            """
        )

        try await expectNothingLeft(on: new.port)
        #expect(ingress.process.isRunning, "the ingress stopped: \(tail(ingress.process.standardError))")
        #expect(worker.isRunning, "the worker stopped: \(tail(worker.process.standardError))")
    }

    /// Once the events are done, the lists on the node at `port` drain and no order key is left.
    private func expectNothingLeft(on port: Int) async throws {
        var left: [String: Int] = [:]
        let drained = await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
            left = (try? await leftInLists(on: port)) ?? ["(no answer)": -1]
            return left.isEmpty
        }
        #expect(drained, "entries left on the new master \(port): \(left)")
        let orderKeys = try await SentinelTopology.send(RedisCommand("KEYS", "anima:ordered:*"), to: port).array?.compactMap(\.string)
        #expect(orderKeys == [], "expected no order key left on the new master \(port), saw \(String(describing: orderKeys))")
    }

    /// The ids among `ids` whose `anima:event:<id>` on the node at `port` is not `done`.
    private func notDone(_ ids: [String], on port: Int) async throws -> [String] {
        var missing: [String] = []
        for start in stride(from: 0, to: ids.count, by: 100) {
            let chunk = Array(ids[start..<min(start + 100, ids.count)])
            let reply = try await SentinelTopology.send(RedisCommand("MGET", arguments: chunk.map { "anima:event:\($0)" }), to: port)
            let values = reply.array ?? []
            for (offset, id) in chunk.enumerated() where offset >= values.count || values[offset].string != "done" {
                missing.append(id)
            }
        }
        return missing
    }

    /// `anima:events` and every `anima:processing:*` list on the node at `port` that is not
    /// empty, with its length.
    private func leftInLists(on port: Int) async throws -> [String: Int] {
        let processing = try await SentinelTopology.send(RedisCommand("KEYS", "anima:processing:*"), to: port).array ?? []
        var left: [String: Int] = [:]
        for key in ["anima:events"] + processing.compactMap(\.string) {
            let length = try await SentinelTopology.send(RedisCommand("LLEN", key), to: port).int ?? 0
            if length > 0 { left[key] = length }
        }
        return left
    }

    /// `[3, 4, 5, 9]` as `3…5, 9`.
    private func ranges(_ numbers: [Int]) -> String {
        var parts: [String] = []
        var start: Int?
        var previous = Int.min
        for number in numbers.sorted() + [Int.max] {
            if number != previous + 1 {
                if let start { parts.append(start == previous ? "\(start)" : "\(start)…\(previous)") }
                start = number
            }
            previous = number
        }
        return parts.joined(separator: ", ")
    }

    private func tail(_ text: String, lines: Int = 30) -> String {
        text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
