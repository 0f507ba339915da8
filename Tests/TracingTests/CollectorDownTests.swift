import AnimaTestSupport
import Foundation
import Testing

/// Exporting never holds up or fails an event: with the collector down, spans are dropped and
/// counted, and events flow as before.
@Suite("Traces: the collector down")
struct CollectorDownTests {
    @Test func eventsAreHandledWhileTheCollectorIsDown() async throws {
        try await PipelineFixture.run { f in
            let nowhere = TraceFixture.exporting(to: "http://127.0.0.1:\(FreePort.find())")
            let ingress = try await f.startIngress(environment: nowhere)
            try await f.startWorker(["resource.created=\(f.record())"], environment: nowhere)
            var ids: [String] = []
            for _ in 0..<20 {
                let (id, body) = makeEvent()
                let answer = try await ingress.postSigned(Array(body.utf8))
                #expect(answer.status == 200, "expected 200 while the collector is down, saw \(answer)")
                ids.append(id)
            }
            #expect(await f.waitUntilDone(ids, timeout: .seconds(20)), "expected all 20 events done, runs: \(f.lines("runs.log").count)")
            #expect(f.lines("runs.log").count == 20, "expected 20 handler runs, saw \(f.lines("runs.log").count)")
        }
    }

    @Test func spansTheCollectorNeverGotAreCountedAsDropped() async throws {
        try await PipelineFixture.run { f in
            let ingress = try await f.startIngress(environment: TraceFixture.exporting(to: "http://127.0.0.1:\(FreePort.find())"))
            let (_, body) = makeEvent()
            let answer = try await ingress.postSigned(Array(body.utf8))
            #expect(answer.status == 200, "expected 200, saw \(answer)")
            var metrics = ""
            let counted = await eventually(timeout: .seconds(20), interval: .milliseconds(200)) {
                metrics = (try? await ingress.http.request("GET", "/metrics").text) ?? ""
                return Self.dropped(in: metrics) >= 1
            }
            #expect(
                counted,
                "expected anima_ingress_trace_spans_dropped_total ≥ 1, saw: \(metrics.split(separator: "\n").filter { $0.contains("dropped") })"
            )
        }
    }

    @Test func exportResumesWhenTheCollectorComesBack() async throws {
        try await PipelineFixture.run { f in
            let port = FreePort.find()
            let ingress = try await f.startIngress(environment: TraceFixture.exporting(to: "http://127.0.0.1:\(port)"))
            let (_, lost) = makeEvent()
            _ = try await ingress.postSigned(Array(lost.utf8))
            let receiver = try await OTLPReceiver(port: port)
            try await withCleanup {
                let (id, body) = makeEvent()
                _ = try await ingress.postSigned(Array(body.utf8))
                let spans = await receiver.spans { !$0.isEmpty }
                #expect(!spans.isEmpty, "expected the ingress's spans once the collector is back (event \(id)), saw none")
            } cleanup: {
                await receiver.stop()
            }
        }
    }

    /// The value of `anima_ingress_trace_spans_dropped_total` in a `/metrics` text; 0 when absent.
    static func dropped(in metrics: String) -> Int {
        metrics.split(separator: "\n").first { $0.hasPrefix("anima_ingress_trace_spans_dropped_total ") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Int(Double($0) ?? 0) } ?? 0
    }
}
