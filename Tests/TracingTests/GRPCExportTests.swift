import AnimaTestSupport
import Foundation
import Testing

/// `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`: the same spans over OTLP/gRPC.
@Suite("Traces: OTLP over gRPC")
struct GRPCExportTests {
    @Test func theEventsSpansReachACollectorOverGRPC() async throws {
        try await PipelineFixture.run { pipeline in
            let receiver = try await OTLPReceiver(grpc: true)
            try await withCleanup {
                let grpcPort = try #require(receiver.grpcPort)
                var exporting = TraceFixture.exporting(to: "http://127.0.0.1:\(grpcPort)")
                exporting["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc"
                let ingress = try await pipeline.startIngress(environment: exporting)
                try await pipeline.startWorker(["resource.created=true"], environment: exporting)
                let f = TraceFixture(pipeline: pipeline, receiver: receiver, ingress: ingress)
                let id = try await f.send()
                let trace = await f.trace(of: id, attempts: 1)
                let ingressSpan = try #require(trace.ingress, "expected the ingress's span over gRPC, saw \(trace)")
                #expect(
                    trace.attempts.first?.parentSpanID == ingressSpan.spanID, "expected the attempt under the ingress's span, saw \(trace)")
            } cleanup: {
                await receiver.stop()
            }
        }
    }
}
