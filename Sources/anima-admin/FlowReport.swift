import AnimaQueue
import Foundation

/// How `anima-admin limit` and `breaker` list the flow controls: a table for a person, objects
/// for `--json`.
enum FlowReport {
    /// `{"type","concurrency","rate","running","held"}`; `concurrency` and `rate` (`"50/s"`) null
    /// when not set.
    static func limitJSON(_ control: FlowControls.Control) -> [String: Any] {
        [
            "type": control.type, "concurrency": control.limit?.concurrency.map { $0 as Any } ?? NSNull(),
            "rate": control.limit?.rate.map { $0.description as Any } ?? NSNull(), "running": control.running, "held": control.held,
        ]
    }

    /// `{"type","state","probe_at","failure_rate","min_attempts","window_seconds","cooldown_seconds","held"}`;
    /// `probe_at` (ISO 8601 UTC) only set while open.
    static func breakerJSON(_ control: FlowControls.Control) -> [String: Any] {
        let settings = control.breaker ?? BreakerSettings()
        return [
            "type": control.type, "state": control.state.name,
            "probe_at": control.state.probeAt.map { EventStatus.iso(Int64($0.timeIntervalSince1970 * 1000)) as Any } ?? NSNull(),
            "failure_rate": settings.failureRate, "min_attempts": settings.minAttempts,
            "window_seconds": seconds(settings.window), "cooldown_seconds": seconds(settings.cooldown), "held": control.held,
        ]
    }

    static func limitTable(_ controls: [FlowControls.Control]) -> String {
        let rows = controls.map { control in
            [
                control.type, control.limit?.concurrency.map(String.init) ?? "-", control.limit?.rate?.description ?? "-",
                String(control.running), String(control.held),
            ]
        }
        return Table(header: ["TYPE", "CONCURRENCY", "RATE", "RUNNING", "HELD"], rows: rows).render(width: terminalWidth)
    }

    static func breakerTable(_ controls: [FlowControls.Control], now: Date) -> String {
        let rows = controls.map { control in
            let settings = control.breaker ?? BreakerSettings()
            return [
                control.type, String(control.held), String(format: "%g", settings.failureRate), String(settings.minAttempts),
                BreakerSettings.text(settings.window), BreakerSettings.text(settings.cooldown), control.state.text(now: now),
            ]
        }
        return Table(header: ["TYPE", "HELD", "FAILURE_RATE", "MIN_ATTEMPTS", "WINDOW", "COOLDOWN", "STATE"], rows: rows)
            .render(width: terminalWidth)
    }

    /// Whole seconds as an integer, else fractional.
    private static func seconds(_ duration: Duration) -> Any {
        let (whole, fraction) = duration.components
        return fraction == 0 ? Int(whole) as Any : Double(whole) + Double(fraction) / 1e18
    }
}
