import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// One event through a command handler: what the handler gets, the done mark, duplicates.
@Suite("Worker: handling")
struct WorkerHandlingTests {
    @Test func commandHandlerRunsOnceWithRawBodyAndEventEnvironment() async throws {
        try await PipelineFixture.run { f in
            let handler =
                #"cat > '\#(f.path("stdin"))'; "#
                + #"printf '%s|%s|%s' "$ANIMA_EVENT_ID" "$ANIMA_EVENT_TYPE" "$ANIMA_EVENT_ATTEMPT" > '\#(f.path("env"))'; "#
                + f.record()
            try await f.startWorker(["resource.created=\(handler)"])
            let event = makeEvent(data: #"{"note":"h\u00e9llo \"quoted\"\nline",  "n": [1, 2.50]}"#)
            try await f.push(event.body)

            #expect(await f.waitUntilDone([event.id]), "no done mark for \(event.id)")
            let stdin = try String(contentsOfFile: f.path("stdin"), encoding: .utf8)
            #expect(stdin == event.body, "expected the raw body on stdin:\n\(event.body)\nsaw:\n\(stdin)")
            let environment = try String(contentsOfFile: f.path("env"), encoding: .utf8)
            #expect(environment == "\(event.id)|resource.created|1", "expected id|type|1, saw \(environment)")
            #expect(f.lines("runs.log") == ["\(event.id) 1"], "expected one run, saw \(f.lines("runs.log"))")
            let ttl = try await f.client.send(.init("TTL", "anima:event:\(event.id)")).int ?? -3
            #expect((604_790...604_800).contains(ttl), "expected a done mark TTL of about 604800 s, saw \(ttl)")
        }
    }

    @Test func commandInheritsTheWorkersEnvironmentAndTheEventsVariablesWin() async throws {
        try await PipelineFixture.run { f in
            let handler = #"printf '%s|%s' "$ANIMA_TEST_INHERITED" "$ANIMA_EVENT_ID" > '\#(f.path("env"))'; "# + f.record()
            try await f.startWorker(["*=\(handler)"], environment: ["ANIMA_TEST_INHERITED": "from-the-worker", "ANIMA_EVENT_ID": "stale"])
            let event = makeEvent()
            try await f.push(event.body)

            #expect(await f.waitUntilDone([event.id]), "no done mark for \(event.id)")
            let environment = try String(contentsOfFile: f.path("env"), encoding: .utf8)
            #expect(environment == "from-the-worker|\(event.id)", "expected from-the-worker|\(event.id), saw \(environment)")
        }
    }

    @Test func duplicateOfADoneEventIsAcknowledgedWithoutRunningTheHandler() async throws {
        try await PipelineFixture.run { f in
            try await f.startWorker(["*=\(f.record())"], environment: ["ANIMA_WORKER_CONCURRENCY": "1"])
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitUntilDone([event.id]))
            try await f.push(event.body)
            // With one slot the events are taken in order: once the marker is done, the duplicate was settled.
            let marker = makeEvent("marker")
            try await f.push(marker.body)
            #expect(await f.waitUntilDone([marker.id]))
            #expect(try await f.isIdle(), "something is still pending, scheduled or taken")
            let runs = f.lines("runs.log").filter { $0.hasPrefix(event.id) }
            #expect(runs == ["\(event.id) 1"], "expected one run of \(event.id), saw \(runs)")
            #expect(try await f.count("anima:dead") == 0)
        }
    }

    @Test func sameEventPushedFiveTimesToTwoWorkersRunsExactlyOnce() async throws {
        try await PipelineFixture.run { f in
            let handler = "sleep 0.3; \(f.record())"
            try await f.startWorker(["*=\(handler)"])
            try await f.startWorker(["*=\(handler)"])
            let event = makeEvent()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<5 { group.addTask { try await f.push(event.body) } }
                try await group.waitForAll()
            }
            #expect(await f.waitUntilDone([event.id]))
            let settled = await eventually(timeout: .seconds(10)) { (try? await f.isIdle()) == true }
            #expect(settled, "the duplicates were not all settled")
            #expect(f.lines("runs.log") == ["\(event.id) 1"], "expected exactly one run, saw \(f.lines("runs.log"))")
            #expect(try await f.count("anima:dead") == 0, "a duplicate was dead-lettered")
        }
    }

    @Test func eventOfATypeWithoutHandlerIsAcknowledgedAndMarkedDone() async throws {
        try await PipelineFixture.run { f in
            try await f.startWorker(["other.type=\(f.record())"])
            let event = makeEvent("resource.created")
            try await f.push(event.body)
            #expect(await f.waitUntilDone([event.id]), "the unhandled event has no done mark")
            #expect(try await f.isIdle())
            #expect(try await f.count("anima:dead") == 0, "the unhandled event was dead-lettered")
            #expect(f.lines("runs.log").isEmpty, "the other type's handler ran: \(f.lines("runs.log"))")
        }
    }

    @Test func swiftHandlerRegisteredThroughTheLibraryRuns() async throws {
        try await PipelineFixture.run { f in
            try await f.startWorker(
                [],
                environment: ["ANIMA_EXAMPLE_OUTPUT": f.path("ids.log")],
                executable: "anima-example-worker"
            )
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitUntilDone([event.id]))
            #expect(f.lines("ids.log") == [event.id], "expected [\(event.id)], saw \(f.lines("ids.log"))")
        }
    }
}
