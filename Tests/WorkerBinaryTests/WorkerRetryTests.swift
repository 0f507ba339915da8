import AnimaTestSupport
import Foundation
import Testing

/// Failures: retries with attempts counted, dead letters, malformed bodies, timeouts.
@Suite("Worker: retries and dead letters")
struct WorkerRetryTests {
    @Test func handlerThatFailsOnceRunsAgainAsAttemptTwoAndIsDone() async throws {
        try await PipelineFixture.run { f in
            try await f.startWorker([#"*=\#(f.record()); test "$ANIMA_EVENT_ATTEMPT" -ge 2"#])
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitUntilDone([event.id]))
            let expected = ["\(event.id) 1", "\(event.id) 2"]
            #expect(f.lines("runs.log") == expected, "expected \(expected), saw \(f.lines("runs.log"))")
            #expect(try await f.count("anima:dead") == 0)
        }
    }

    @Test func exhaustedRetriesEndInADeadLetterWithEveryContractField() async throws {
        try await PipelineFixture.run { f in
            try await f.startWorker(
                ["*=\(f.record()); echo 'boom on stdout'; exit 3"],
                environment: ["ANIMA_MAX_ATTEMPTS": "3", "ANIMA_RETRY_BASE_SECONDS": "0.1"]
            )
            let event = makeEvent()
            let before = Date()
            try await f.push(event.body)
            #expect(await f.waitForDeadLetters(1))
            let letters = try await f.deadLetters()
            try #require(letters.count == 1, "expected one dead letter, saw \(letters)")
            let letter = try #require(jsonObject(letters[0]), "not a JSON object: \(letters[0])")
            #expect((letter["dead_id"] as? String)?.isEmpty == false, "dead_id: \(letter["dead_id"] ?? "missing")")
            #expect(letter["id"] as? String == event.id, "id: \(letter["id"] ?? "missing")")
            #expect(letter["type"] as? String == "resource.created", "type: \(letter["type"] ?? "missing")")
            #expect(letter["event"] as? String == event.body, "event: \(letter["event"] ?? "missing")")
            let error = letter["error"] as? String ?? ""
            #expect(error.contains("3"), "error should give the exit status 3: \(error)")
            #expect(letter["attempts"] as? Int == 3, "attempts: \(letter["attempts"] ?? "missing")")
            let failedAt = letter["failed_at"] as? String ?? ""
            let parsed = try? Date(failedAt, strategy: .iso8601)
            #expect(failedAt.hasSuffix("Z") && parsed != nil, "failed_at is not ISO 8601 UTC: \(failedAt)")
            if let parsed {
                #expect(parsed >= before.addingTimeInterval(-1) && parsed <= Date().addingTimeInterval(1), "failed_at \(failedAt)")
            }
            let runs = ["\(event.id) 1", "\(event.id) 2", "\(event.id) 3"]
            #expect(f.lines("runs.log") == runs, "expected \(runs), saw \(f.lines("runs.log"))")
            #expect(try await f.get("anima:event:\(event.id)") == nil, "a dead-lettered event left its idempotency key")
            #expect(try await f.isIdle(), "something is still pending or scheduled")
        }
    }

    @Test func malformedBodiesAreDeadLetteredAtOnceWithoutRunningTheHandler() async throws {
        // body → (id, type) expected in the dead letter
        let cases: [(body: String, id: String?, type: String?)] = [
            ("not json {", nil, nil),
            (#"[{"id":"evt_a","type":"t"}]"#, nil, nil),
            (#"{"type":"only.type"}"#, nil, "only.type"),
            (#"{"id":"evt_only_id"}"#, "evt_only_id", nil),
            (#"{"id":42,"type":"numeric.id"}"#, nil, "numeric.id"),
        ]
        try await PipelineFixture.run { f in
            try await f.startWorker(["*=\(f.record())"], environment: ["ANIMA_MAX_ATTEMPTS": "5"])
            for item in cases { try await f.push(item.body) }
            #expect(await f.waitForDeadLetters(cases.count))
            let letters = try await f.deadLetters().compactMap(jsonObject)
            for item in cases {
                guard let letter = letters.first(where: { $0["event"] as? String == item.body }) else {
                    Issue.record("no dead letter whose event is \(item.body); saw \(letters)")
                    continue
                }
                #expect(letter["attempts"] as? Int == 0, "\(item.body): attempts \(letter["attempts"] ?? "missing")")
                #expect(
                    letter["id"] as? String == item.id,
                    "\(item.body): expected id \(item.id ?? "null"), saw \(letter["id"] ?? "missing")"
                )
                #expect(
                    letter["type"] as? String == item.type,
                    "\(item.body): expected type \(item.type ?? "null"), saw \(letter["type"] ?? "missing")"
                )
                #expect(letter.keys.contains("id") && letter.keys.contains("type"), "\(item.body): id or type missing instead of null")
                #expect((letter["error"] as? String)?.contains("malformed") == true, "\(item.body): error \(letter["error"] ?? "missing")")
            }
            #expect(letters.count == cases.count, "expected \(cases.count) dead letters, saw \(letters.count)")
            #expect(f.lines("runs.log").isEmpty, "the handler ran: \(f.lines("runs.log"))")
            #expect(try await f.isIdle(), "a malformed body was scheduled for a retry")
        }
    }

    @Test func handlerPastTheTimeoutFailsAndItsProcessGroupIsKilled() async throws {
        try await PipelineFixture.run { f in
            let handler = #"sleep 30 & echo $! > '\#(f.path("child"))'; wait"#
            try await f.startWorker(
                ["*=\(handler)"],
                environment: ["ANIMA_HANDLER_TIMEOUT_SECONDS": "0.5", "ANIMA_MAX_ATTEMPTS": "1"]
            )
            try await f.push(makeEvent().body)
            // The mechanism, not the clock: the attempt failed as timed out while its `sleep 30` ran,
            // and the child died with its process group.
            #expect(await f.waitForDeadLetters(1, timeout: TestTime.scaled(.seconds(25))), "no dead letter after the timeout")
            let error = try await f.deadLetters().first.flatMap(jsonObject)?["error"] as? String ?? ""
            #expect(error.contains("timed out"), "error: \(error)")
            let child = try #require(f.lines("child").first.flatMap { Int32($0) }, "the handler wrote no child pid")
            let gone = await eventually(timeout: .seconds(3)) { !isAlive(child) }
            #expect(gone, "the handler's child \(child) (sleep 30) is still running after the timeout")
        }
    }
}

/// Whether `pid` is a live process (a zombie counts as dead).
func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
    return state != "Z" && state != "X"
}
