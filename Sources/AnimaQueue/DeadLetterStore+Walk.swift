public import AnimaRedis
import NIOCore

extension DeadLetterStore {
    /// Walks the entries that are in the list now, oldest first, a window of `chunkSize` per
    /// LRANGE, and hands each window's entries that match `filter` to `handle` (see
    /// ``DeadLetterCursor`` for why this neither skips nor repeats an entry while the list
    /// changes). `removesMatches`: whether `handle` takes the entries it gets out of the list.
    func walk(
        matching filter: DeadLetterFilter,
        chunkSize: Int,
        removesMatches: Bool,
        _ handle: ([DeadLetterCursor.Located]) async throws(RedisError) -> Void
    ) async throws(RedisError) {
        var cursor = try await startCursor(chunkSize: chunkSize)
        while !cursor.finished {
            let bounds = cursor.window
            var window = try await range(bounds.start, bounds.stop)
            if let anchor = cursor.anchor {
                guard window.last?.stored == anchor else {
                    cursor.relocate(anchorAt: try await positionFromTail(anchor))
                    continue
                }
                window.removeLast()
            }
            let matched = cursor.take(window).filter { filter.matches($0.entry.letter) }
            try await handle(matched)
            cursor.advance(past: window, removed: removesMatches ? Set(matched.map { DeadLetterCursor.identity($0.entry) }) : [])
        }
    }

    /// A cursor at the tail that will stop at the entry newest now; reads that entry and the
    /// length in one transaction.
    private func startCursor(chunkSize: Int) async throws(RedisError) -> DeadLetterCursor {
        let replies = try await client.pipeline([
            RedisCommand("MULTI"), RedisCommand("LINDEX", keys.dead, 0), RedisCommand("LLEN", keys.dead), RedisCommand("EXEC"),
        ])
        guard let results = replies.last?.array, results.count == 2 else {
            throw RedisError(.unexpectedReply, "MULTI LINDEX LLEN EXEC on \(keys.dead) answered \(replies)")
        }
        let newest = results[0].bytes.map { Self.entry($0) }
        return DeadLetterCursor(chunkSize: chunkSize, newest: newest, length: results[1].int ?? 0)
    }

    /// How many entries from the tail `stored` is (counting itself, the copy nearest the tail);
    /// nil when it is no longer in the list.
    private func positionFromTail(_ stored: ByteBuffer) async throws(RedisError) -> Int? {
        let position = try await script(Self.positionFromTail, keys: [keys.dead], arguments: [stored]).int ?? 0
        return position > 0 ? position : nil
    }

    static let positionFromTail = RedisScript(
        """
        local p = redis.call('LPOS', KEYS[1], ARGV[1], 'RANK', -1)
        if not p then return 0 end
        return redis.call('LLEN', KEYS[1]) - p
        """
    )
}
