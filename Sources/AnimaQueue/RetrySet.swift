public import AnimaRedis
public import NIOCore

/// The retry set `anima:scheduled` as an operator changes it (the dashboard's retries page):
/// count, read a page, run one now, delete one. Each step is one atomic script where it moves
/// an entry.
public struct RetrySet: Sendable {
    public let keys: QueueKeys
    private let client: RedisClient

    public init(keys: QueueKeys, client: RedisClient) {
        self.keys = keys
        self.client = client
    }

    public func count() async throws(RedisError) -> Int {
        try await client.send(RedisCommand("ZCARD", keys.scheduled)).int ?? 0
    }

    /// Entries with their due time (ms since 1970), the soonest due first, from `offset`.
    public func page(offset: Int, limit: Int) async throws(RedisError) -> [(stored: ByteBuffer, dueAt: Int64)] {
        let reply = try await client.send(RedisCommand("ZRANGE", keys.scheduled, offset, offset + limit - 1, "WITHSCORES"))
        var entries: [(ByteBuffer, Int64)] = []
        var items = (reply.array ?? []).makeIterator()
        while let member = items.next(), let score = items.next() {
            guard let stored = member.bytes else { continue }
            entries.append((stored, score.string.flatMap(Double.init).map { Int64($0) } ?? 0))
        }
        return entries
    }

    /// Moves the entry to the pending list, as the worker's promotion does. False when it was
    /// no longer waiting.
    public func runNow(_ stored: ByteBuffer) async throws(RedisError) -> Bool {
        try await client.evaluate(Self.move, keys: [keys.scheduled, keys.events], arguments: [stored]).int == 1
    }

    /// Removes the entry; when it held its order key (the live workers' `ANIMA_ORDER_KEY`),
    /// the key goes to the next event waiting for it. False when it was no longer waiting.
    public func delete(_ stored: ByteBuffer) async throws(RedisError) -> Bool {
        try await client.evaluate(
            OrderScripts.deleteScheduled, keys: [keys.scheduled, keys.events, keys.orderWaits, keys.workers],
            arguments: [stored, keys.prefix]
        ).int == 1
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
