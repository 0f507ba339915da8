public import AnimaRedis
import Foundation
public import NIOCore
import NIOFoundationCompat

/// Reads and repairs the dead-letter list: list, find, replay (one, all, or filtered: see
/// `DeadLetterStore+Filtered.swift`), delete, purge.
///
/// An entry leaves the list only in the same atomic step (one Lua script) that queues it again,
/// so a crash never loses or doubles a dead letter.
public struct DeadLetterStore: Sendable {
    public let keys: QueueKeys
    let client: RedisClient

    public init(keys: QueueKeys, client: RedisClient) {
        self.keys = keys
        self.client = client
    }

    /// One stored entry: the exact bytes (needed to remove it) and its decoded form.
    public struct Entry: Sendable {
        public let stored: ByteBuffer
        /// nil when the stored text is not a dead-letter object (written by something else).
        public let letter: DeadLetter?
    }

    public func count() async throws(RedisError) -> Int {
        try await client.send(RedisCommand("LLEN", keys.dead)).int ?? 0
    }

    /// Newest first, at most `limit` entries, optionally only of one event type.
    public func list(limit: Int, type: String? = nil) async throws(RedisError) -> [Entry] {
        var found: [Entry] = []
        var start = 0
        let chunk = 1000
        while found.count < limit {
            let page = try await range(start, start + chunk - 1)
            if page.isEmpty { break }
            for entry in page where type == nil || entry.letter?.type == type {
                found.append(entry)
                if found.count == limit { break }
            }
            start += chunk
        }
        return found
    }

    /// The newest entry whose `dead_id` or event `id` is `id`.
    public func find(_ id: String) async throws(RedisError) -> Entry? {
        var start = 0
        let chunk = 1000
        while true {
            let page = try await range(start, start + chunk - 1)
            if page.isEmpty { return nil }
            if let match = page.first(where: { $0.letter?.deadID == id || $0.letter?.id == id }) { return match }
            start += chunk
        }
    }

    /// Queues the entry's raw body again (attempts start over) and removes the entry, atomically.
    /// Returns false when the entry was no longer there.
    public func replay(_ entry: Entry) async throws(RedisError) -> Bool {
        guard let letter = entry.letter else { return false }
        let body = ByteBuffer(data: letter.body)
        return try await client.evaluate(Self.replayOne, keys: [keys.dead, keys.events], arguments: [entry.stored, body]).int == 1
    }

    /// Replays every entry (of `type`, if given), oldest first, a thousand per atomic step.
    /// Entries whose body is not UTF-8 text (the script cannot decode `event_base64`) are
    /// replayed afterwards one by one with ``replay(_:)``. Returns (replayed, left in place).
    public func replayAll(type: String?) async throws(RedisError) -> (replayed: Int, kept: Int) {
        var replayed = 0
        var kept = 0
        while true {
            let reply = try await client.evaluate(Self.replayChunk, keys: [keys.dead, keys.events], arguments: [type ?? "", 1000, kept])
            guard let parts = reply.array, parts.count == 3 else {
                throw RedisError(.unexpectedReply, "replay script answered \(reply)")
            }
            replayed += parts[0].int ?? 0
            kept = parts[1].int ?? kept
            if parts[2].int == 1 { break }
        }
        if kept > 0 {
            for entry in try await list(limit: .max, type: type).reversed() where entry.letter?.eventBase64 != nil {
                if try await replay(entry) {
                    replayed += 1
                    kept -= 1
                }
            }
        }
        return (replayed, kept)
    }

    /// Removes one entry. Returns false when it was no longer there.
    public func delete(_ entry: Entry) async throws(RedisError) -> Bool {
        try await client.send(RedisCommand("LREM", keys.dead, 1, entry.stored)).int == 1
    }

    /// Removes every entry. Returns how many there were.
    public func purge() async throws(RedisError) -> Int {
        let replies = try await client.pipeline([RedisCommand("LLEN", keys.dead), RedisCommand("DEL", keys.dead)])
        return replies.first?.int ?? 0
    }

    func range(_ start: Int, _ stop: Int) async throws(RedisError) -> [Entry] {
        let reply = try await client.send(RedisCommand("LRANGE", keys.dead, start, stop))
        let decoder = JSONDecoder()
        return (reply.array ?? []).compactMap(\.bytes).map { Self.entry($0, decoder: decoder) }
    }

    /// `stored` with its decoded form.
    static func entry(_ stored: ByteBuffer, decoder: JSONDecoder = JSONDecoder()) -> Entry {
        Entry(stored: stored, letter: try? decoder.decode(DeadLetter.self, from: Data(buffer: stored)))
    }

    func script(_ script: RedisScript, keys: [String], arguments: [any RedisArgument]) async throws(RedisError) -> RedisValue {
        try await client.evaluate(script, keys: keys, arguments: arguments)
    }

    static let replayOne = RedisScript(
        """
        if redis.call('LREM', KEYS[1], -1, ARGV[1]) == 1 then
          redis.call('LPUSH', KEYS[2], ARGV[2])
          return 1
        end
        return 0
        """
    )

    /// Walks up to ARGV[2] entries from the oldest end, skipping the ARGV[3] oldest already kept;
    /// requeues those of type ARGV[1] (any type when empty) and removes them in the same step.
    /// Returns {replayed, kept so far, 1 when the whole list was walked}.
    static let replayChunk = RedisScript(
        """
        local kept = tonumber(ARGV[3])
        local chunk = tonumber(ARGV[2])
        local window = redis.call('LRANGE', KEYS[1], -(kept + chunk), -(kept + 1))
        local replayed = 0
        for i = #window, 1, -1 do
          local e = window[i]
          local ok, obj = pcall(cjson.decode, e)
          if ok and type(obj) == 'table' and type(obj['event']) == 'string' and obj['event_base64'] == nil
             and (ARGV[1] == '' or obj['type'] == ARGV[1]) then
            redis.call('LREM', KEYS[1], -1, e)
            redis.call('LPUSH', KEYS[2], obj['event'])
            replayed = replayed + 1
          else
            kept = kept + 1
          end
        end
        local done = 0
        if #window < chunk then done = 1 end
        return {replayed, kept, done}
        """
    )
}
