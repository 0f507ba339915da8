import CoreMetrics
public import Prometheus

/// The worker's Prometheus metrics, on a registry of its own (no global bootstrap).
public struct WorkerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let processed: CoreMetrics.Counter
    let failed: CoreMetrics.Counter
    let retried: CoreMetrics.Counter
    let deadLettered: CoreMetrics.Counter
    let duplicates: CoreMetrics.Counter
    let deferred: CoreMetrics.Counter
    let unhandled: CoreMetrics.Counter
    let heldBack: CoreMetrics.Counter
    let recovered: CoreMetrics.Counter
    let inFlight: CoreMetrics.Gauge
    let handlerDuration: CoreMetrics.Timer
    /// Per event type: outcomes, handler duration, time waited in the queue, and time from the
    /// sender's timestamp to the end of handling.
    let byType: EventTypeMetrics
    /// The queue's depth, read from Redis every tick (the same on every worker).
    let queue: QueueGauges
    /// Per flow-controlled type: breaker state and held events, read from Redis every tick.
    let flow: FlowGauges
    /// Spans the trace exporter dropped (collector down, queue full).
    let spansDropped: CoreMetrics.Counter

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(3), .milliseconds(4),
            .milliseconds(5),
            .microseconds(7500), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
            .seconds(30), .seconds(60), .seconds(300),
        ]
        func events(_ result: String) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: "anima_worker_events_total", dimensions: [("result", result)], factory: factory)
        }
        self.registry = registry
        self.processed = events("processed")
        self.failed = events("failed")
        self.retried = events("retried")
        self.deadLettered = events("dead_lettered")
        self.duplicates = events("duplicate")
        self.deferred = events("deferred")
        self.unhandled = events("unhandled")
        self.heldBack = events("held_back")
        self.recovered = CoreMetrics.Counter(label: "anima_worker_recovered_total", factory: factory)
        self.inFlight = CoreMetrics.Gauge(label: "anima_worker_in_flight", factory: factory)
        self.handlerDuration = CoreMetrics.Timer(label: "anima_worker_handler_duration_seconds", factory: factory)
        self.byType = EventTypeMetrics(factory: factory)
        self.queue = QueueGauges(factory: factory)
        self.flow = FlowGauges(factory: factory)
        self.spansDropped = CoreMetrics.Counter(label: "anima_worker_trace_spans_dropped_total", factory: factory)
    }

    /// Counts spans that were never exported.
    public func traceSpansDropped(_ count: Int) {
        spansDropped.increment(by: count)
    }

    public func render() -> String { registry.emitToString() }

    /// Adds one to each counter of `counters`.
    func count(_ counters: Outcome.Counters) {
        if counters.contains(.processed) { processed.increment() }
        if counters.contains(.failed) { failed.increment() }
        if counters.contains(.retried) { retried.increment() }
        if counters.contains(.deadLettered) { deadLettered.increment() }
        if counters.contains(.duplicates) { duplicates.increment() }
        if counters.contains(.deferred) { deferred.increment() }
        if counters.contains(.unhandled) { unhandled.increment() }
        if counters.contains(.heldBack) { heldBack.increment() }
    }
}
