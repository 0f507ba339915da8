public import AnimaRedis
import Foundation

/// One recorded attempt of one event: an entry of the `anima:history` stream.
///
/// Written by the worker in the same round trip as the settlement it records (a
/// ``HistoryBatch`` appended to the settlement's pipeline); read by `anima-admin events` and the
/// dashboard.
public struct HistoryRecord: Sendable, Hashable {
    /// What one attempt came to.
    public enum Result: String, Sendable, CaseIterable {
        case ok, retry, dead, duplicate, unhandled, deferred, interrupted
    }

    public var eventID: String
    public var type: String?
    /// The attempt's number, 1 for the first try.
    public var attempt: Int
    public var result: Result
    public var durationMilliseconds: Int?
    /// The failure, cut to ``errorLimit`` bytes.
    public var error: String?
    public var worker: String
    /// When the outcome was recorded, in milliseconds since 1970.
    public var at: Int64
    /// When the ingress received the event, in milliseconds since 1970, if known.
    public var receivedAt: Int64?
    /// The sender's `x-anima-timestamp` (seconds since 1970), if known.
    public var sentAt: Int64?
    /// When a retry or deferred run is due, in milliseconds since 1970.
    public var dueAt: Int64?

    /// Errors are kept to their first KiB.
    public static let errorLimit = 1024

    public init(
        eventID: String, type: String?, attempt: Int, result: Result, durationMilliseconds: Int? = nil, error: String? = nil,
        worker: String, at: Int64, receivedAt: Int64? = nil, sentAt: Int64? = nil, dueAt: Int64? = nil
    ) {
        self.eventID = eventID
        self.type = type
        self.attempt = attempt
        self.result = result
        self.durationMilliseconds = durationMilliseconds
        self.error = error.map(Self.cut)
        self.worker = worker
        self.at = at
        self.receivedAt = receivedAt
        self.sentAt = sentAt
        self.dueAt = dueAt
    }

    /// The record as one JSON object, the stream entry's `r` field: one word per record for the
    /// script to pass on, where a field each cost the server more than the rest of recording.
    /// Built as bytes (one per recorded outcome, thousands a second: `String` appends cost more).
    var json: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(192 + (error?.utf8.count ?? 0))
        bytes += #"{"id":"#.utf8
        Self.quote(eventID, to: &bytes)
        bytes += #","attempt":"#.utf8
        bytes += String(attempt).utf8
        bytes += #","result":""#.utf8
        bytes += result.rawValue.utf8
        bytes += #"","worker":"#.utf8
        Self.quote(worker, to: &bytes)
        bytes += #","at":"#.utf8
        bytes += String(at).utf8
        if let type {
            bytes += #","type":"#.utf8
            Self.quote(type, to: &bytes)
        }
        if let durationMilliseconds { Self.field("duration_ms", durationMilliseconds, to: &bytes) }
        if let error {
            bytes += #","error":"#.utf8
            Self.quote(error, to: &bytes)
        }
        if let dueAt { Self.field("due_at", dueAt, to: &bytes) }
        if let receivedAt { Self.field("received_at", receivedAt, to: &bytes) }
        if let sentAt { Self.field("sent_at", sentAt, to: &bytes) }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// `,"name":number`.
    private static func field(_ name: StaticString, _ value: some BinaryInteger, to bytes: inout [UInt8]) {
        bytes += #",""#.utf8
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes += #"":"#.utf8
        bytes += String(value).utf8
    }

    private static func quote(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        // Ids, types and worker names rarely need escaping: then the whole string goes in at once.
        if !value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            bytes += value.utf8
            bytes.append(UInt8(ascii: "\""))
            return
        }
        var text = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case _ where scalar.value < 0x20: text += String(format: "\\u%04x", scalar.value)
            default: text.unicodeScalars.append(scalar)
            }
        }
        bytes += text.utf8
        bytes.append(UInt8(ascii: "\""))
    }

    /// Reads a stream entry's field list (`[name, value, name, value, …]`): `r` (the record as
    /// JSON) and `rcv` (the ``Receipt``), or one field per value as
    /// versions before 2026-12 wrote them. Nil when it is not one of ours.
    public init?(fields list: [RedisValue]) {
        var values: [String: String] = [:]
        var iterator = list.makeIterator()
        while let name = iterator.next()?.string, let value = iterator.next()?.string {
            values[name] = value
        }
        if let record = values.removeValue(forKey: "r") {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(record.utf8))) as? [String: Any] else { return nil }
            for (name, value) in object {
                if let text = value as? String {
                    values[name] = text
                } else if let number = value as? NSNumber {
                    values[name] = number.stringValue
                }
            }
        }
        if let receipt = values.removeValue(forKey: "rcv").flatMap(Receipt.init) {
            values["received_at"] = String(receipt.receivedWholeMilliseconds)
            values["sent_at"] = String(receipt.sentAt)
        }
        guard let id = values["id"], let attempt = values["attempt"].flatMap(Int.init),
            let result = values["result"].flatMap(Result.init(rawValue:)), let at = values["at"].flatMap(Int64.init)
        else { return nil }
        self.init(
            eventID: id, type: values["type"], attempt: attempt, result: result,
            durationMilliseconds: values["duration_ms"].flatMap(Int.init), error: values["error"], worker: values["worker"] ?? "?",
            at: at, receivedAt: values["received_at"].flatMap(Int64.init), sentAt: values["sent_at"].flatMap(Int64.init),
            dueAt: values["due_at"].flatMap(Int64.init)
        )
    }

    /// The command that records this outcome alone: a ``HistoryBatch`` of one, whose reply is
    /// a one-element array holding the receipt (see ``HistoryBatch/command(keys:maxLength:)``).
    public func command(keys: QueueKeys, maxLength: Int, digest: String?, final: Bool) -> RedisCommand {
        HistoryBatch([.init(record: self, digest: digest, final: final)]).command(keys: keys, maxLength: maxLength)
    }

    private static func cut(_ text: String) -> String {
        guard text.utf8.count > errorLimit else { return text }
        var bytes = Array(text.utf8.prefix(errorLimit))
        // Never end inside a UTF-8 sequence.
        while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }
        if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
