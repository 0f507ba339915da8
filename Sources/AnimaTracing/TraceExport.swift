public import Logging
import OTel
public import ServiceLifecycle
import Tracing

/// Traces of an executable, set up from the standard `OTEL_*` variables: with
/// `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set, an OTLP tracer
/// (swift-otel: HTTP with protobuf bodies, or gRPC with `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`)
/// becomes the process's tracer; without either, nothing is set up and no span is made.
///
/// Spans are batched and sent in the background: a collector that is down or slow never holds
/// an event up. Spans it does not take are dropped and counted (``TraceDrops``).
public enum TraceExport {
    /// The variables that turn traces on.
    public static let endpointVariables = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]

    /// The paragraph of `--help` about traces.
    public static let help = """
        Traces (OpenTelemetry): off unless OTEL_EXPORTER_OTLP_ENDPOINT or \
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (OTLP over HTTP with protobuf; gRPC with \
        OTEL_EXPORTER_OTLP_PROTOCOL=grpc). The standard variables apply: OTEL_SERVICE_NAME, \
        OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG, \
        OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_SCHEDULE_DELAY, OTEL_SDK_DISABLED.
        """

    /// Whether `environment` asks for traces (an endpoint is set, the SDK is not disabled).
    public static func isRequested(in environment: [String: String]) -> Bool {
        let disabled = environment["OTEL_SDK_DISABLED"]?.lowercased() == "true"
        return !disabled && endpointVariables.contains { !(environment[$0] ?? "").isEmpty }
    }

    /// Bootstraps the process's tracer when `environment` asks for traces, and returns the
    /// service that exports its spans (run it beside the application, after which it flushes
    /// what is left); nil when traces are off. Call once, before building the application.
    /// - Parameters:
    ///   - serviceName: the default of `OTEL_SERVICE_NAME`.
    ///   - logger: where the exporter's own trouble is logged.
    ///   - drops: counts the spans that never reached the collector.
    public static func bootstrap(
        serviceName: String, environment: [String: String], logger: Logger, drops: TraceDrops
    ) throws(TraceSetupError) -> (any Service)? {
        guard isRequested(in: environment) else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        // swift-otel's own lines at `info` are many at start; `OTEL_LOG_LEVEL` still wins.
        configuration.diagnosticLogLevel = .warning
        configuration.diagnosticLogger = .custom(
            Logger(label: "anima.traces") { _ in DropCountingLogHandler(forwardingTo: logger, drops: drops) }
        )
        do {
            let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
            InstrumentationSystem.bootstrap(tracer)
            return service
        } catch {
            throw TraceSetupError("OTEL_* settings: \(error)")
        }
    }
}

/// The traces could not be set up from the `OTEL_*` variables (one is malformed, say).
public struct TraceSetupError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
