import AnimaTestSupport
import Foundation
import Testing

/// `ANIMA_WORKER_CONCURRENCY`: handlers run side by side, and a worker takes only what it can run.
@Suite("Worker: concurrency")
struct WorkerConcurrencyTests {
    @Test func eightHandlersAtConcurrencyEightRunSideBySide() async throws {
        try await PipelineFixture.run { f in
            // Each handler waits for the gate: all eight started before any finished means side by side.
            let handler = #"\#(f.markStart); \#(f.waitForGate); \#(f.record())"#
            try await f.startWorker(["*=\(handler)"], environment: ["ANIMA_WORKER_CONCURRENCY": "8"])
            let events = (0..<8).map { _ in makeEvent() }
            for event in events { try await f.push(event.body) }
            let allStarted = await eventually(timeout: .seconds(20)) { f.lines("starts.log").count == 8 }
            #expect(allStarted, "expected 8 handlers started at once, saw \(f.lines("starts.log").count)")
            #expect(f.lines("runs.log").isEmpty, "a handler finished before the gate opened: \(f.lines("runs.log"))")
            try f.openGate()
            #expect(await f.waitUntilDone(events.map(\.id), timeout: .seconds(12)))
        }
    }

    @Test func workerTakesNoMoreEventsThanItHasFreeSlots() async throws {
        try await PipelineFixture.run { f in
            // Each handler waits for the gate file, so the first is surely still running when counted.
            let handler = #"\#(f.markStart); \#(f.waitForGate); \#(f.record())"#
            let worker = try await f.startWorker(["*=\(handler)"], environment: ["ANIMA_WORKER_CONCURRENCY": "1"])
            let events = (0..<3).map { _ in makeEvent() }
            for event in events { try await f.push(event.body) }
            #expect(await f.waitForHandlerStart(), "the handler never started")
            // Two upkeep ticks of the worker's own: an over-eager fetch loop would have taken more.
            #expect(await f.waitForHeartbeats(of: worker.id), "the worker wrote no heartbeats while its handler ran")
            let pending = try await f.count("anima:events")
            let taken = try await f.count("anima:processing:\(worker.id)")
            #expect(pending == 2 && taken == 1, "while one runs: expected 2 pending and 1 taken, saw \(pending) and \(taken)")
            try f.openGate()
            #expect(await f.waitUntilDone(events.map(\.id), timeout: .seconds(10)))
        }
    }
}
