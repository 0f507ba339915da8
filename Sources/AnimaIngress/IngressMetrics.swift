import AnimaRedis
import CoreMetrics
public import Prometheus

/// The ingress's Prometheus metrics, registered on a registry of its own (no global bootstrap,
/// so several ingress apps can live in one test process).
public struct IngressMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let pushLatency: CoreMetrics.Timer
    private let outcomes: [String: CoreMetrics.Counter]
    private let reasons: [String: CoreMetrics.Counter]
    /// How long `WAIT` took for a batch, and whether enough replicas confirmed it.
    let replicaWaitLatency: CoreMetrics.Timer
    private let replicaWaits: [Bool: CoreMetrics.Counter]
    /// Receive time − the sender's signed timestamp, in seconds (negative: the sender's clock is ahead).
    private let skew: CoreMetrics.Recorder
    /// Spans the trace exporter dropped (collector down, queue full).
    private let spansDropped: CoreMetrics.Counter

    static let outcomeLabels = [
        "accepted", "invalid_signature", "invalid_timestamp", "too_large", "unavailable", "queue_full", "timeout",
        "not_replicated",
    ]
    static let reasonLabels = [
        "timestamp_missing", "timestamp_malformed", "timestamp_too_old", "timestamp_in_future",
        "signature_missing", "signature_malformed", "signature_mismatch",
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
        ]
        factory.defaultValueHistogramBuckets = [-300, -60, -10, -2, -1, 0, 1, 2, 10, 60, 300]
        self.registry = registry
        self.pushLatency = CoreMetrics.Timer(label: "anima_ingress_push_duration_seconds", factory: factory)
        var outcomes: [String: CoreMetrics.Counter] = [:]
        for label in Self.outcomeLabels {
            outcomes[label] = CoreMetrics.Counter(label: "anima_ingress_requests_total", dimensions: [("outcome", label)], factory: factory)
        }
        var reasons: [String: CoreMetrics.Counter] = [:]
        for label in Self.reasonLabels {
            reasons[label] = CoreMetrics.Counter(label: "anima_ingress_rejected_total", dimensions: [("reason", label)], factory: factory)
        }
        self.outcomes = outcomes
        self.reasons = reasons
        self.skew = CoreMetrics.Recorder(label: "anima_ingress_clock_skew_seconds", aggregate: true, factory: factory)
        self.replicaWaitLatency = CoreMetrics.Timer(label: "anima_ingress_replica_wait_seconds", factory: factory)
        self.replicaWaits = [
            true: CoreMetrics.Counter(label: "anima_ingress_replica_waits_total", dimensions: [("result", "confirmed")], factory: factory),
            false: CoreMetrics.Counter(label: "anima_ingress_replica_waits_total", dimensions: [("result", "short")], factory: factory),
        ]
        self.spansDropped = CoreMetrics.Counter(label: "anima_ingress_trace_spans_dropped_total", factory: factory)
    }

    /// Counts spans that were never exported.
    public func traceSpansDropped(_ count: Int) {
        spansDropped.increment(by: count)
    }

    /// Records the clock skew of one verified request.
    func clockSkew(seconds: Double) {
        skew.record(seconds)
    }

    /// Counts one `WAIT` of a push batch (`ANIMA_MIN_REPLICAS`): whether enough replicas
    /// confirmed, and how long it took.
    func replicaWait(confirmed: Bool, duration: Duration) {
        replicaWaits[confirmed]?.increment()
        replicaWaitLatency.recordNanoseconds(duration.wholeNanoseconds)
    }

    /// Counts one answered webhook request by outcome (`accepted`, `invalid_signature`,
    /// `invalid_timestamp`, `too_large`, `unavailable`, `queue_full`, `timeout`).
    func request(outcome: String) {
        outcomes[outcome]?.increment()
    }

    /// Counts a rejected signature by its precise reason.
    func rejected(reason: String) {
        reasons[reason]?.increment()
    }

    /// The Prometheus text exposition.
    public func render() -> String {
        registry.emitToString()
    }
}
