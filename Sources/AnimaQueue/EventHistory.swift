public import AnimaRedis
import Foundation
import NIOCore

/// Reads what happened to events: the recorded outcomes (``HistoryRecord``) and where an
/// event is now (``EventStatus``). Every read is bounded: an event's outcomes come through its
/// own index, lists are scanned in chunks up to ``scanLimit`` entries.
public struct EventHistory: Sendable {
    public let keys: QueueKeys
    private let client: RedisClient

    /// The most entries of one list or set read while looking for an event.
    public static let scanLimit = 200_000
    private static let chunk = 2_000

    public init(keys: QueueKeys, client: RedisClient) {
        self.keys = keys
        self.client = client
    }

    /// The recorded attempts of `id`, oldest first. Those the stream's cap dropped are left out.
    ///
    /// They are the entries its index names, and those of `id` at the millisecond its done mark
    /// was written (the settle writes the outcome of the mark it writes there, unindexed: see
    /// ``HistoryBatch``): the mark expires ``WorkerQueue/doneTTLSeconds`` after it.
    public func attempts(of id: String) async throws(RedisError) -> [HistoryRecord] {
        let reply = try await client.evaluate(Self.index, keys: [keys.history(id: id), keys.event(id: id)], arguments: []).array ?? []
        let entryIDs = reply.first?.array?.compactMap(\.string) ?? []
        let expiry = reply.dropFirst().first?.int ?? -1
        var commands = entryIDs.map { RedisCommand("XRANGE", keys.history, $0, $0) }
        if expiry > 0 {
            let at = String(expiry - WorkerQueue.doneTTLSeconds * 1000)
            commands.append(RedisCommand("XRANGE", keys.history, at, at))
        }
        if commands.isEmpty { return [] }
        var found: [(entry: StreamEntryID, record: HistoryRecord)] = []
        for reply in try await client.pipeline(commands) {
            for item in reply.array ?? [] {
                guard let entry = item.array, entry.count == 2, let entryID = entry[0].string.flatMap(StreamEntryID.init),
                    let fields = entry[1].array, let record = HistoryRecord(fields: fields), record.eventID == id,
                    !found.contains(where: { $0.entry == entryID })
                else { continue }
                found.append((entryID, record))
            }
        }
        return found.sorted { $0.entry < $1.entry }.map(\.record)
    }

    /// A stream entry's id (`<ms>-<seq>`), ordered as the stream orders them.
    struct StreamEntryID: Comparable {
        let milliseconds: UInt64
        let sequence: UInt64

        init?(_ text: String) {
            let parts = text.split(separator: "-")
            guard parts.count == 2, let milliseconds = UInt64(parts[0]), let sequence = UInt64(parts[1]) else { return nil }
            (self.milliseconds, self.sequence) = (milliseconds, sequence)
        }

        static func < (a: Self, b: Self) -> Bool { (a.milliseconds, a.sequence) < (b.milliseconds, b.sequence) }
    }

    /// The entry ids an event's index names (``HistoryBatch/indexedIDs``) and its done mark's
    /// `PEXPIRETIME`.
    private static let index = RedisScript(
        HistoryBatch.indexedIDs + "\n" + "return { indexedIDs(KEYS[1]), redis.call('PEXPIRETIME', KEYS[2]) }"
    )

    /// Recorded outcomes, newest first, that match every given filter.
    /// - Parameter since: milliseconds since 1970; older outcomes are not read at all.
    public func list(
        type: String? = nil, result: HistoryRecord.Result? = nil, since: Int64? = nil, limit: Int
    ) async throws(RedisError) -> [HistoryRecord] {
        var found: [HistoryRecord] = []
        var end = "+"
        let start = since.map(String.init) ?? "-"
        while found.count < limit {
            let page = try await client.send(RedisCommand("XREVRANGE", keys.history, end, start, "COUNT", Self.chunk)).array ?? []
            for entry in page {
                guard let parts = entry.array, parts.count == 2, let fields = parts[1].array, let record = HistoryRecord(fields: fields)
                else { continue }
                if let type, record.type != type { continue }
                if let result, record.result != result { continue }
                found.append(record)
                if found.count == limit { break }
            }
            guard page.count == Self.chunk, let last = page.last?.array?.first?.string else { break }
            end = "(" + last
        }
        return found
    }

    /// Where `id` is now, with its recorded attempts.
    public func status(of id: String) async throws(RedisError) -> EventStatus {
        let attempts = try await attempts(of: id)
        func status(_ state: EventStatus.State, due: Int64? = nil) -> EventStatus {
            EventStatus(id: id, state: state, dueAt: due, attempts: attempts)
        }
        let mark = try await client.send(RedisCommand("GET", keys.event(id: id))).string
        if mark == "done" { return status(.done) }
        if mark?.hasPrefix("lease:") == true { return status(.running) }
        if let key = try await client.send(RedisCommand("HGET", keys.orderWaits, id)).string {
            // The holder's id follows one flag character (see `OrderScripts`).
            let behind = try await client.send(RedisCommand("GET", keys.orderHeld(key: key))).string.map { String($0.dropFirst()) }
            return EventStatus(id: id, state: .waiting, waitingFor: (key, behind), attempts: attempts)
        }
        let needle = Needle(id)
        for type in try await PausedTypes(keys: keys, client: client).types() {
            if try await find(needle, inList: keys.paused(type: type)) { return status(.paused) }
        }
        if let held = try await findHeld(needle) {
            return EventStatus(id: id, state: .held, heldBy: held, attempts: attempts)
        }
        if let due = try await findScheduled(needle) { return status(.scheduled, due: due) }
        if try await find(needle, inList: keys.events) { return status(.pending) }
        if try await DeadLetterStore(keys: keys, client: client).find(id) != nil { return status(.dead) }
        return status(.unknown)
    }

    /// The entries of one event in a list or set, found exactly as the worker identifies an
    /// event: by the top-level `id` of the parsed body (an id that only appears inside another
    /// event's data does not count). A quick byte search skips the parse of entries that cannot
    /// hold the id: those without it as a plain JSON string and without any escape (an entry
    /// that writes it escaped, `evt\/1` or `\u00e9`, is parsed).
    struct Needle {
        let id: String
        let quoted: [UInt8]

        init(_ id: String) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            self.id = id
            self.quoted = (try? encoder.encode(id)).map { Array($0) } ?? Array("\"\(id)\"".utf8)
        }

        func matches(_ stored: ByteBuffer?) -> Bool {
            guard let stored, stored.withUnsafeReadableBytes({ Self.contains($0, quoted) || $0.contains(UInt8(ascii: "\\")) })
            else { return false }
            let body = QueueEntry(stored: stored).body
            let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
            return object?["id"] as? String == id
        }

        private static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
            guard let first = needle.first else { return false }
            var index = bytes.startIndex
            while let found = bytes[index...].firstIndex(of: first), found + needle.count <= bytes.endIndex {
                if bytes[found..<found + needle.count].elementsEqual(needle) { return true }
                index = found + 1
            }
            return false
        }
    }

    private func find(_ needle: Needle, inList key: String) async throws(RedisError) -> Bool {
        var start = 0
        while start < Self.scanLimit {
            let page = try await client.send(RedisCommand("LRANGE", key, start, start + Self.chunk - 1)).array ?? []
            if page.contains(where: { needle.matches($0.bytes) }) { return true }
            if page.count < Self.chunk { return false }
            start += Self.chunk
        }
        return false
    }

    /// The type whose held list has the event, and why it is held: by the breaker while the
    /// type's breaker is open or probing, else by its limit.
    private func findHeld(_ needle: Needle) async throws(RedisError) -> (type: String, hold: FlowHold)? {
        for control in try await FlowControls(keys: keys, client: client).all() where control.held > 0 {
            if try await find(needle, inList: keys.held(type: control.type)) {
                return (control.type, control.state.isOpen ? .breaker : .limit)
            }
        }
        return nil
    }

    /// The due time (ms) of a scheduled entry of the event, if one is in the retry set.
    private func findScheduled(_ needle: Needle) async throws(RedisError) -> Int64? {
        var start = 0
        while start < Self.scanLimit {
            let page =
                try await client.send(
                    RedisCommand("ZRANGE", keys.scheduled, start, start + Self.chunk - 1, "WITHSCORES")
                ).array ?? []
            var pairs = page.makeIterator()
            while let member = pairs.next(), let score = pairs.next() {
                if needle.matches(member.bytes) { return score.string.flatMap(Double.init).map { Int64($0) } }
            }
            if page.count < 2 * Self.chunk { return nil }
            start += Self.chunk
        }
        return nil
    }
}
