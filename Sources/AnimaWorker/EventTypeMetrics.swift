import AnimaQueue
import AnimaRedis
import CoreMetrics
import NIOConcurrencyHelpers
import Prometheus

/// The worker's metrics per event type. A type is a label only when the registry has a handler
/// of its own for it; every other type counts as `other`, so that senders cannot grow the
/// number of series without bound.
final class EventTypeMetrics: Sendable {
    private let factory: PrometheusMetricsFactory
    private let series = NIOLockedValueBox<[String: Series]>([:])

    private struct Series: @unchecked Sendable {  // CoreMetrics handles are thread-safe
        let handler: CoreMetrics.Timer
        let queueWait: CoreMetrics.Timer
        let latency: CoreMetrics.Timer
        var results: [HistoryRecord.Result: CoreMetrics.Counter]
    }

    init(factory: PrometheusMetricsFactory) {
        self.factory = factory
    }

    /// Records one outcome of an event of `type` (already mapped to its label).
    /// - Parameters:
    ///   - handler: how long the handler ran; nil when none ran.
    ///   - queueWait: from the ingress's receipt to the start of handling, when known.
    ///   - latency: from the sender's signed timestamp to the end of handling, when known.
    func record(type: String, result: HistoryRecord.Result, handler: Duration?, queueWait: Duration?, latency: Duration?) {
        let series = self.series(for: type)
        series.results[result]?.increment()
        if let handler { series.handler.recordNanoseconds(handler.wholeNanoseconds) }
        if let queueWait { series.queueWait.recordNanoseconds(max(0, queueWait.wholeNanoseconds)) }
        if let latency { series.latency.recordNanoseconds(max(0, latency.wholeNanoseconds)) }
    }

    private func series(for type: String) -> Series {
        series.withLockedValue { all in
            if let existing = all[type] { return existing }
            let dimensions = [("type", type)]
            var results: [HistoryRecord.Result: CoreMetrics.Counter] = [:]
            for result in HistoryRecord.Result.allCases {
                results[result] = CoreMetrics.Counter(
                    label: "anima_worker_results_total", dimensions: dimensions + [("result", result.rawValue)], factory: factory
                )
            }
            let created = Series(
                handler: CoreMetrics.Timer(label: "anima_worker_handler_seconds", dimensions: dimensions, factory: factory),
                queueWait: CoreMetrics.Timer(label: "anima_worker_queue_wait_seconds", dimensions: dimensions, factory: factory),
                latency: CoreMetrics.Timer(label: "anima_worker_event_latency_seconds", dimensions: dimensions, factory: factory),
                results: results
            )
            all[type] = created
            return created
        }
    }
}

/// The queue's depth as gauges, for alerts on a growing backlog or new dead letters.
struct QueueGauges: Sendable {
    let pending: CoreMetrics.Gauge
    let scheduled: CoreMetrics.Gauge
    let dead: CoreMetrics.Gauge
    let pausedEvents: CoreMetrics.Gauge
    let orderedWaiting: CoreMetrics.Gauge
    let oldestPendingAge: CoreMetrics.Gauge

    init(factory: PrometheusMetricsFactory) {
        pending = CoreMetrics.Gauge(label: "anima_queue_pending", factory: factory)
        scheduled = CoreMetrics.Gauge(label: "anima_queue_scheduled", factory: factory)
        dead = CoreMetrics.Gauge(label: "anima_queue_dead", factory: factory)
        pausedEvents = CoreMetrics.Gauge(label: "anima_queue_paused_events", factory: factory)
        orderedWaiting = CoreMetrics.Gauge(label: "anima_queue_ordered_waiting", factory: factory)
        oldestPendingAge = CoreMetrics.Gauge(label: "anima_queue_oldest_pending_age_seconds", factory: factory)
    }

    func record(_ counts: QueueCounts) {
        pending.record(counts.pending)
        scheduled.record(counts.scheduled)
        dead.record(counts.dead)
        pausedEvents.record(counts.pausedEvents)
        orderedWaiting.record(counts.orderedWaiting)
        oldestPendingAge.record(counts.oldestPendingAgeSeconds ?? 0)
    }
}
