import AnimaQueue
import AnimaRedis
import Foundation
import NIOCore
import NIOFoundationCompat

/// The retries waiting in `anima:scheduled` (and deferred duplicates): list them with their due
/// time, run one now (move it to the pending list), delete one. Each is named by the SHA-1 of
/// its stored bytes, so a form can point at it without carrying the body.
struct RetryStore: Sendable {
    let keys: QueueKeys
    let client: RedisClient

    struct Retry: Sendable {
        let key: String
        let stored: ByteBuffer
        let dueAt: Int64
        let attemptsMade: Int
        let eventID: String?
        let type: String?
    }

    func count() async throws(RedisError) -> Int {
        try await client.send(RedisCommand("ZCARD", keys.scheduled)).int ?? 0
    }

    /// The soonest due first, from `offset`, at most `limit`.
    func list(offset: Int, limit: Int) async throws(RedisError) -> [Retry] {
        let reply = try await client.send(RedisCommand("ZRANGE", keys.scheduled, offset, offset + limit - 1, "WITHSCORES"))
        var retries: [Retry] = []
        var items = (reply.array ?? []).makeIterator()
        while let member = items.next(), let score = items.next() {
            guard let stored = member.bytes else { continue }
            let entry = QueueEntry(stored: stored)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: entry.body))) as? [String: Any]
            retries.append(
                Retry(
                    key: SHA1Hex.of(stored), stored: stored,
                    dueAt: score.string.flatMap(Double.init).map { Int64($0) } ?? 0,
                    attemptsMade: entry.attempts, eventID: object?["id"] as? String, type: object?["type"] as? String
                )
            )
        }
        return retries
    }

    /// The entry named `key`, looked for among the first `scanLimit` by due time.
    func find(key: String, scanLimit: Int) async throws(RedisError) -> Retry? {
        var offset = 0
        while offset < scanLimit {
            let page = try await list(offset: offset, limit: 500)
            if let match = page.first(where: { $0.key == key }) { return match }
            if page.count < 500 { return nil }
            offset += 500
        }
        return nil
    }

    /// Moves the entry to the pending list in one atomic step, as the worker's promotion does.
    /// False when it was no longer waiting.
    func runNow(_ retry: Retry) async throws(RedisError) -> Bool {
        let scriptKeys = [keys.scheduled, keys.events]
        return try await client.withConnection { connection throws(RedisError) in
            try connection.evaluate(Self.move, keys: scriptKeys, arguments: [retry.stored]).int == 1
        }
    }

    /// Removes the entry. False when it was no longer waiting.
    func delete(_ retry: Retry) async throws(RedisError) -> Bool {
        try await client.send(RedisCommand("ZREM", keys.scheduled, retry.stored)).int == 1
    }

    static let move = RedisScript(
        """
        if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
          redis.call('LPUSH', KEYS[2], ARGV[1])
          return 1
        end
        return 0
        """
    )
}
