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

    private var set: RetrySet { RetrySet(keys: keys, client: client) }

    func count() async throws(RedisError) -> Int {
        try await set.count()
    }

    /// The soonest due first, from `offset`, at most `limit`.
    func list(offset: Int, limit: Int) async throws(RedisError) -> [Retry] {
        var retries: [Retry] = []
        for (stored, dueAt) in try await set.page(offset: offset, limit: limit) {
            let entry = QueueEntry(stored: stored)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: entry.body))) as? [String: Any]
            retries.append(
                Retry(
                    key: SHA1Hex.of(stored), stored: stored, dueAt: dueAt,
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

    /// Moves the entry to the pending list. False when it was no longer waiting.
    func runNow(_ retry: Retry) async throws(RedisError) -> Bool {
        try await set.runNow(retry.stored)
    }

    /// Removes the entry (handing its order key over). False when it was no longer waiting.
    func delete(_ retry: Retry) async throws(RedisError) -> Bool {
        try await set.delete(retry.stored)
    }
}
