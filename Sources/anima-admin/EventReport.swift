import AnimaQueue
import Foundation

/// How `anima-admin events` shows outcomes: a timeline for a person, objects for `--json`.
enum EventReport {
    static func json(_ status: EventStatus) -> [String: Any] { status.jsonObject }

    static func json(_ record: HistoryRecord, withEvent: Bool) -> [String: Any] { record.jsonObject(withEvent: withEvent) }

    /// received → each attempt (worker, result, duration, error) → the state now.
    static func timeline(_ status: EventStatus, now: Date) -> String {
        var lines = ["event \(status.id)" + (status.attempts.first?.type.map { "  (\($0))" } ?? "")]
        if let first = status.attempts.first, let received = first.receivedAt {
            var line = "  \(iso(received))  received by the ingress"
            if let sent = first.sentAt { line += " (signed \(iso(sent * 1000)))" }
            lines.append(line)
        }
        for record in status.attempts {
            var line = "  \(iso(record.at))  attempt \(record.attempt)  \(record.result.rawValue)"
            if let duration = record.durationMilliseconds { line += "  \(duration) ms" }
            line += "  on \(record.worker)"
            if let error = record.error { line += "\n      error: \(error.replacingOccurrences(of: "\n", with: "\n             "))" }
            lines.append(line)
        }
        if status.attempts.isEmpty { lines.append("  no recorded attempts") }
        var state = "  now: \(status.state.rawValue)"
        if let due = status.dueAt {
            let seconds = max(0, Int((Double(due) / 1000 - now.timeIntervalSince1970).rounded()))
            state += ", due \(iso(due)) (in \(seconds) s)"
        }
        if let waiting = status.waitingFor {
            state += ", behind \(waiting.behind ?? "the next event") of order key \(waiting.key)"
        }
        if let held = status.heldReason { state += ", " + held }
        lines.append(state)
        return lines.joined(separator: "\n")
    }

    static func table(_ records: [HistoryRecord]) -> String {
        let rows = records.map { record in
            [
                iso(record.at), record.eventID, record.type ?? "-", String(record.attempt), record.result.rawValue,
                record.durationMilliseconds.map { "\($0) ms" } ?? "-", record.worker, record.error ?? "",
            ]
        }
        return Table(header: ["AT", "ID", "TYPE", "ATTEMPT", "RESULT", "DURATION", "WORKER", "ERROR"], rows: rows)
            .render(width: terminalWidth)
    }

    /// ISO 8601 UTC, like a dead letter's `failed_at`.
    static func iso(_ milliseconds: Int64) -> String { EventStatus.iso(milliseconds) }
}
