public import AnimaRedis
import Foundation

/// One recorded attempt of one event: an entry of the `anima:history` stream.
///
/// Written by the worker in the same round trip as the settlement it records (one `EVALSHA` of
/// ``script`` appended to the settlement's pipeline); read by `anima-admin events` and the
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

    /// The stream entry's fields, in the order they are written.
    var fields: [(String, String)] {
        var fields: [(String, String)] = [
            ("id", eventID), ("attempt", String(attempt)), ("result", result.rawValue), ("worker", worker), ("at", String(at)),
        ]
        func add(_ name: String, _ value: (any CustomStringConvertible)?) {
            if let value { fields.append((name, value.description)) }
        }
        add("type", type)
        add("duration_ms", durationMilliseconds)
        add("error", error)
        add("received_at", receivedAt)
        add("sent_at", sentAt)
        add("due_at", dueAt)
        return fields
    }

    /// Reads a stream entry's field list (`[name, value, name, value, …]`); nil when it is not one of ours.
    public init?(fields list: [RedisValue]) {
        var values: [String: String] = [:]
        var iterator = list.makeIterator()
        while let name = iterator.next()?.string, let value = iterator.next()?.string {
            values[name] = value
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

    /// The command that records this outcome, appended to the settlement's pipeline. It also
    /// reads the body's receipt (``QueueKeys/received``; `digest` is the raw body's SHA-1) into
    /// the record, and deletes it when `final`; its reply is the receipt, `"<received ms>
    /// <sender s>"`, or nil. With `maxLength` 0 nothing is recorded, but the receipt is still read.
    public func command(keys: QueueKeys, maxLength: Int, digest: String?, final: Bool) -> RedisCommand {
        var arguments: [any RedisArgument] = [maxLength, digest ?? "", final ? "1" : "0"]
        for (name, value) in fields {
            arguments.append(name)
            arguments.append(value)
        }
        return Self.script.call(keys: [keys.history, keys.history(id: eventID), keys.received], arguments: arguments)
    }

    /// Reads (and, for a final outcome, deletes) the receipt, then adds the entry to the capped
    /// stream (approximate trimming: Redis may keep up to 100 more) and its id to the event's own
    /// index, which keeps the 100 newest and expires with the done mark (7 days). Looking an event
    /// up reads its index, never the whole stream.
    public static let script = RedisScript(
        """
        local receipt = false
        if ARGV[2] ~= '' then
          receipt = redis.call('HGET', KEYS[3], ARGV[2])
          if receipt and ARGV[3] == '1' then redis.call('HDEL', KEYS[3], ARGV[2]) end
        end
        if tonumber(ARGV[1]) <= 0 then return receipt end
        local fields = {unpack(ARGV, 4)}
        if receipt then
          local r, s = string.match(receipt, '^(%d+) (%d+)$')
          if r then
            fields[#fields + 1] = 'received_at'
            fields[#fields + 1] = r
            fields[#fields + 1] = 'sent_at'
            fields[#fields + 1] = s
          end
        end
        local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
        redis.call('RPUSH', KEYS[2], entry)
        redis.call('LTRIM', KEYS[2], -100, -1)
        redis.call('EXPIRE', KEYS[2], 604800)
        return receipt
        """
    )

    private static func cut(_ text: String) -> String {
        guard text.utf8.count > errorLimit else { return text }
        var bytes = Array(text.utf8.prefix(errorLimit))
        // Never end inside a UTF-8 sequence.
        while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }
        if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
