public import Foundation

/// One entry of the dead-letter list, as JSON:
///
///     {"dead_id":"…","id":"evt_1","type":"resource.created","event":"<raw body>",
///      "error":"…","attempts":20,"failed_at":"2026-11-29T03:00:00Z","worker":"host:123:ab12"}
///
/// `id` and `type` are null when the body has none. `event` holds the raw body as text; when
/// the body is not valid UTF-8, `event_base64` holds its exact bytes too, so a replay is exact.
public struct DeadLetter: Codable, Sendable, Equatable {
    public var deadID: String
    public var id: String?
    public var type: String?
    public var event: String
    public var eventBase64: String?
    public var error: String
    public var attempts: Int
    public var failedAt: String
    public var worker: String?

    enum CodingKeys: String, CodingKey {
        case deadID = "dead_id"
        case id, type, event
        case eventBase64 = "event_base64"
        case error, attempts
        case failedAt = "failed_at"
        case worker
    }

    public init(
        deadID: String = DeadLetter.newID(),
        id: String?,
        type: String?,
        body: Data,
        error: String,
        attempts: Int,
        failedAt: Date = Date(),
        worker: String?
    ) {
        self.deadID = deadID
        self.id = id
        self.type = type
        if let text = String(data: body, encoding: .utf8) {
            self.event = text
            self.eventBase64 = nil
        } else {
            self.event = String(decoding: body, as: UTF8.self)
            self.eventBase64 = body.base64EncodedString()
        }
        self.error = error
        self.attempts = attempts
        self.failedAt = failedAt.formatted(.iso8601)
        self.worker = worker
    }

    /// The exact raw body.
    public var body: Data {
        if let eventBase64, let data = Data(base64Encoded: eventBase64) { return data }
        return Data(event.utf8)
    }

    /// A new unique dead-letter id (`dl_` and 24 hex digits).
    public static func newID() -> String {
        "dl_" + (0..<3).map { _ in String(UInt32.random(in: 0...UInt32.max), radix: 16).leftPadded(to: 8) }.joined()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(deadID, forKey: .deadID)
        try container.encode(id, forKey: .id)  // null, not omitted
        try container.encode(type, forKey: .type)
        try container.encode(event, forKey: .event)
        try container.encodeIfPresent(eventBase64, forKey: .eventBase64)
        try container.encode(error, forKey: .error)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(failedAt, forKey: .failedAt)
        try container.encodeIfPresent(worker, forKey: .worker)
    }

    /// The JSON stored in Redis.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
