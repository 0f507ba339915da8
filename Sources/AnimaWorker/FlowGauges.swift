import AnimaQueue
import CoreMetrics
import NIOConcurrencyHelpers
import Prometheus

/// Per flow-controlled type: `anima_breaker_open{type}` (1 while open or probing) and
/// `anima_flow_held_events{type}` (events held back), read from Redis every tick. Only types
/// an operator gave a limit or breaker get a series.
final class FlowGauges: Sendable {
    private let factory: PrometheusMetricsFactory
    private let series = NIOLockedValueBox<[String: Series]>([:])

    private struct Series: @unchecked Sendable {  // CoreMetrics handles are thread-safe
        let open: CoreMetrics.Gauge
        let held: CoreMetrics.Gauge
    }

    init(factory: PrometheusMetricsFactory) {
        self.factory = factory
    }

    /// Records every control; the types no longer listed read 0.
    func record(_ controls: [FlowControls.Control]) {
        let listed = Set(controls.map(\.type))
        for control in controls {
            let series = self.series(for: control.type)
            series.open.record(control.state.isOpen ? 1 : 0)
            series.held.record(control.held)
        }
        let gone = self.series.withLockedValue { all in all.filter { !listed.contains($0.key) }.map(\.value) }
        for series in gone {
            series.open.record(0)
            series.held.record(0)
        }
    }

    /// Sets the breaker gauge of `type` at once (a transition this worker caused).
    func breaker(_ type: String, open: Bool) {
        series(for: type).open.record(open ? 1 : 0)
    }

    private func series(for type: String) -> Series {
        series.withLockedValue { all in
            if let existing = all[type] { return existing }
            let dimensions = [("type", type)]
            let created = Series(
                open: CoreMetrics.Gauge(label: "anima_breaker_open", dimensions: dimensions, factory: factory),
                held: CoreMetrics.Gauge(label: "anima_flow_held_events", dimensions: dimensions, factory: factory)
            )
            all[type] = created
            return created
        }
    }
}
