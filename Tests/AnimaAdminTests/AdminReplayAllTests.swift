import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// `anima-admin dlq replay --all` on thousands of entries.
@Suite("Admin: replay all")
struct AdminReplayAllTests {
    /// LPUSHes `count` valid dead letters, alternating the types `a.created` and `b.created`;
    /// returns their event bodies by type.
    static func insertDeadLetters(_ f: PipelineFixture, count: Int) async throws -> [String: Set<String>] {
        var bodies: [String: Set<String>] = [:]
        var letters: [any RedisArgument] = []
        for index in 0..<count {
            let type = index.isMultiple(of: 2) ? "a.created" : "b.created"
            let event = makeEvent(type, data: #"{"i":\#(index)}"#)
            bodies[type, default: []].insert(event.body)
            let letter: [String: Any] = [
                "dead_id": "dl_\(index)", "id": event.id, "type": type, "event": event.body, "error": "test",
                "attempts": 3, "failed_at": "2026-01-01T00:00:00Z", "worker": "test",
            ]
            letters.append(String(decoding: try JSONSerialization.data(withJSONObject: letter), as: UTF8.self))
        }
        _ = try await f.client.send(RedisCommand("LPUSH", arguments: ["anima:dead"] + letters))
        return bodies
    }

    @Test func replayAllMovesEveryEntryBackAThousandAtMostPerScriptCall() async throws {
        try await PipelineFixture.run { f in
            let bodies = try await Self.insertDeadLetters(f, count: 5000)
            // MONITOR shows every command a script runs: each replay step reads its window of
            // anima:dead (LRANGE) and then requeues (LPUSH) the entries it moves.
            let monitor = try await RedisMonitor(port: f.redis.port)
            let run = try await f.admin("dlq", "replay", "--all")
            let lines = try await monitor.lines(until: f.client)
            #expect(run.succeeded, "\(run)")
            #expect(try await f.count("anima:dead") == 0, "entries left in anima:dead")
            let queued = try await f.entries().map { String(decoding: $0, as: UTF8.self) }
            #expect(queued.count == 5000, "expected 5000 queued, saw \(queued.count)")
            #expect(Set(queued) == bodies["a.created", default: []].union(bodies["b.created", default: []]), "the queued bodies differ")

            let steps = replaySteps(lines)
            let moved = steps.map(\.moved)
            #expect(moved.reduce(0, +) == 5000, "expected the script calls to move 5000 entries in all, saw \(moved)")
            #expect(steps.count >= 5, "expected at least 5 script calls for 5000 entries, saw \(steps.count): \(moved)")
            #expect(steps.allSatisfy { $0.window <= 1000 }, "expected every window of at most 1000 entries, saw \(steps.map(\.window))")
            #expect(moved.allSatisfy { $0 <= 1000 }, "expected every script call to move at most 1000 entries, saw \(moved)")
        }
    }

    @Test func replayAllOfOneTypeLeavesTheOthersInPlace() async throws {
        try await PipelineFixture.run { f in
            let bodies = try await Self.insertDeadLetters(f, count: 5000)
            let run = try await f.admin("dlq", "replay", "--all", "--type", "b.created")
            #expect(run.succeeded, "\(run)")
            let queued = try await f.entries().map { String(decoding: $0, as: UTF8.self) }
            #expect(
                queued.count == 2500 && Set(queued) == bodies["b.created"],
                "expected the 2500 b.created bodies, saw \(queued.count) entries"
            )
            let left = try await f.deadLetters().compactMap { jsonObject($0)?["event"] as? String }
            #expect(left.count == 2500 && Set(left) == bodies["a.created"], "expected the 2500 a.created entries left, saw \(left.count)")
        }
    }
}

/// One call of the replay script as MONITOR showed it: how many dead letters its LRANGE window
/// covered and how many it requeued.
struct ReplayStep: Sendable {
    var window: Int
    var moved = 0
}

/// The replay script calls in MONITOR `lines`: each begins with a script's `LRANGE anima:dead`;
/// the script's `LPUSH anima:events` that follow count as moved by it.
func replaySteps(_ lines: [String]) -> [ReplayStep] {
    var steps: [ReplayStep] = []
    for line in lines where line.contains(" lua] ") {
        if let range = line.firstMatch(of: /"LRANGE" "anima:dead" "(-?\d+)" "(-?\d+)"/),
            let start = Int(range.1), let stop = Int(range.2)
        {
            steps.append(ReplayStep(window: stop - start + 1))
        } else if line.contains(#""LPUSH" "anima:events""#), !steps.isEmpty {
            steps[steps.count - 1].moved += 1
        }
    }
    return steps
}

/// A raw connection in MONITOR mode: every command the server runs, scripts' own included,
/// read on a thread of its own.
final class RedisMonitor: Sendable {
    private let socket: SocketBox

    /// A `TestSocket` used by one thread at a time: the caller's, then the reader's.
    private final class SocketBox: @unchecked Sendable {
        let socket: TestSocket
        init(_ socket: TestSocket) { self.socket = socket }
    }

    /// Connects to the Redis at `port` and returns once MONITOR is on.
    init(port: Int) async throws {
        let box = SocketBox(try TestSocket(port: port, timeout: .seconds(10)))
        socket = box
        _ = try await runBlocking {
            try box.socket.send("MONITOR\r\n")
            return try box.socket.receive(until: .now + TestTime.scaled(.seconds(60))) { $0.starts(with: Array("+OK\r\n".utf8)) }
        }
    }

    /// Sends a marker command through `client` and returns every line up to it, then closes.
    func lines(until client: RedisClient) async throws -> [String] {
        let marker = "monitor-end-" + UUID().uuidString
        _ = try await client.send(RedisCommand("ECHO", marker))
        let box = socket
        let bytes = try await runBlocking {
            defer { box.socket.close() }
            let needle = Array(marker.utf8)
            var received: [UInt8] = []
            let giveUp = ContinuousClock.now + TestTime.scaled(.seconds(60))
            while ContinuousClock.now < giveUp {
                box.socket.setTimeouts(.seconds(1))
                guard let chunk = try? box.socket.receive() else { continue }  // nothing for 1 s yet
                if chunk.isEmpty { break }  // the server closed the connection
                let searchFrom = max(0, received.count - needle.count)
                received += chunk
                if received[searchFrom...].firstRange(of: needle) != nil { break }
            }
            return received
        }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\r\n").map(String.init)
    }
}
