import AnimaTestSupport
import Foundation
import Testing

/// `ANIMA_METRICS_PORT`: Prometheus counters and a health check.
@Suite("Worker: metrics")
struct WorkerMetricsTests {
    @Test func metricsCountProcessedEventsAndHealthzAnswers() async throws {
        try await PipelineFixture.run { f in
            let port = FreePort.find()
            try await f.startWorker(["*=builtin:ack"], environment: ["ANIMA_METRICS_PORT": String(port)])
            let events = (0..<3).map { _ in makeEvent() }
            for event in events { try await f.push(event.body) }
            #expect(await f.waitUntilDone(events.map(\.id)))
            let http = HTTPTestClient(port: port)
            let line = #"anima_worker_events_total{result="processed"} 3"#
            var metrics = ""
            let counted = await eventually {
                metrics = (try? await http.request("GET", "/metrics").text) ?? ""
                return metrics.contains(line)
            }
            #expect(counted, "expected '\(line)' in /metrics, saw:\n\(metrics)")
            let health = try await http.request("GET", "/healthz")
            #expect(health.status == 200, "/healthz: \(health)")
        }
    }
}
