import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real OTLP/HTTP collector for a test: `Tests/otlp/otlp_receiver.py` (Python, decoding the
/// protobuf with the `opentelemetry-proto` package), started on a free port and stopped by PID.
/// Point `OTEL_EXPORTER_OTLP_ENDPOINT` at ``endpoint``; read back what it got with ``spans()``.
public final class OTLPReceiver: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let process: ManagedProcess
    public let port: Int

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("otlp/otlp_receiver.py").path

    /// OTLP/gRPC's port, when the receiver serves it too.
    public let grpcPort: Int?

    /// Starts a receiver; on `port` when given (to bring one back where an earlier one was);
    /// with `grpc`, serving OTLP/gRPC too, on a port of its own.
    public init(port: Int? = nil, grpc: Bool = false) async throws {
        let grpcPort = grpc ? FreePort.find() : nil
        let arguments = ["--port", String(port ?? 0)] + (grpcPort.map { ["--grpc-port", String($0)] } ?? [])
        let process = try await ManagedProcess(Self.script, arguments: arguments, environment: [:])
        let output = try await process.waitForOutput(containing: "listening on", timeout: .seconds(20))
        guard let port = output.split(separator: " ").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            await process.terminate(signal: SIGKILL)
            throw Failure(description: "could not read the receiver's port from: \(output)")
        }
        self.process = process
        self.port = port
        self.grpcPort = grpcPort
    }

    /// The value of `OTEL_EXPORTER_OTLP_ENDPOINT` for this receiver.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Every span received so far.
    public func spans() async throws -> [ReceivedSpan] {
        let answer = try await HTTPTestClient(port: port).request("GET", "/spans")
        guard answer.status == 200, let list = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [[String: Any]] else {
            throw Failure(description: "GET /spans answered \(answer)")
        }
        return list.map(ReceivedSpan.init)
    }

    /// The spans received once `condition` holds of them (polled, at most `timeout`); what was
    /// received by then otherwise.
    public func spans(
        timeout: Duration = .seconds(20), until condition: @escaping @Sendable ([ReceivedSpan]) -> Bool
    ) async -> [ReceivedSpan] {
        var last: [ReceivedSpan] = []
        _ = await eventually(timeout: timeout, interval: .milliseconds(100)) {
            last = (try? await spans()) ?? last
            return condition(last)
        }
        return last
    }

    public func stop() async { await process.terminate(signal: SIGKILL) }
}

/// One span as the receiver decoded it.
public struct ReceivedSpan: Sendable, CustomStringConvertible {
    public let service: String
    public let traceID: String
    public let spanID: String
    /// "" for a root span.
    public let parentSpanID: String
    public let name: String
    /// 0 unset, 1 ok, 2 error.
    public let statusCode: Int
    public let statusMessage: String
    public let startNanoseconds: UInt64
    /// Attribute values as text.
    public let attributes: [String: String]

    init(_ json: [String: Any]) {
        service = json["service"] as? String ?? ""
        traceID = json["trace_id"] as? String ?? ""
        spanID = json["span_id"] as? String ?? ""
        parentSpanID = json["parent_span_id"] as? String ?? ""
        name = json["name"] as? String ?? ""
        statusCode = json["status_code"] as? Int ?? 0
        statusMessage = json["status_message"] as? String ?? ""
        startNanoseconds = (json["start_ns"] as? NSNumber)?.uint64Value ?? 0
        attributes = (json["attributes"] as? [String: Any] ?? [:]).mapValues { "\($0)" }
    }

    public var isError: Bool { statusCode == 2 }

    public var description: String {
        "\(service) \(name) trace \(traceID) span \(spanID) parent \(parentSpanID.isEmpty ? "-" : parentSpanID) status \(statusCode) \(attributes)"
    }
}
