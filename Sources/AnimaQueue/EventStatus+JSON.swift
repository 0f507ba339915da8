public import Foundation

/// The JSON objects of `anima-admin events show --json` / `events list --json`, shared with the
/// dashboard's `GET /api/events/ID`.
extension EventStatus {
    /// `{"id","state","due_at"?,"order_key"?,"waiting_behind"?,"held_by"?,"type"?,"received_at"?,"sent_at"?,"attempts":[…]}`;
    /// `held_by` is `limit` or `breaker`.
    public var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "id": id, "state": state.rawValue, "attempts": attempts.map { $0.jsonObject(withEvent: false) },
        ]
        if let dueAt { object["due_at"] = Self.iso(dueAt) }
        if let waitingFor {
            object["order_key"] = waitingFor.key
            object["waiting_behind"] = waitingFor.behind ?? NSNull()
        }
        if let heldBy {
            object["held_by"] = heldBy.hold.rawValue
            object["type"] = heldBy.type
        }
        if let first = attempts.first {
            object["type"] = first.type ?? NSNull()
            if let received = first.receivedAt { object["received_at"] = Self.iso(received) }
            if let sent = first.sentAt { object["sent_at"] = Self.iso(sent * 1000) }
        }
        return object
    }

    /// ISO 8601 UTC, like a dead letter's `failed_at`.
    public static func iso(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(.iso8601)
    }
}

extension HistoryRecord {
    /// `{"attempt","result","duration_ms","error","worker","at"}`, with `id` and `type` when
    /// `withEvent`.
    public func jsonObject(withEvent: Bool) -> [String: Any] {
        var object: [String: Any] = [
            "attempt": attempt, "result": result.rawValue, "worker": worker, "at": EventStatus.iso(at),
            "duration_ms": durationMilliseconds.map { $0 as Any } ?? NSNull(),
            "error": error.map { $0 as Any } ?? NSNull(),
        ]
        if withEvent {
            object["id"] = eventID
            object["type"] = type ?? NSNull()
        }
        return object
    }
}
