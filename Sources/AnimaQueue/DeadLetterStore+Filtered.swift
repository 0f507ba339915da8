public import AnimaRedis
import Foundation
import NIOCore
import NIOFoundationCompat

extension DeadLetterStore {
    /// Replays the entries matching `filter` that are in the list now, oldest first, one atomic
    /// step (script) per window of `chunkSize`; an entry replayed or deleted by someone else
    /// meanwhile is skipped. Returns how many were replayed.
    public func replay(matching filter: DeadLetterFilter, chunkSize: Int = 500) async throws(RedisError) -> Int {
        var replayed = 0
        let tombstone = "\u{0}anima-replay-tombstone:" + UUID().uuidString
        try await walk(matching: filter, chunkSize: chunkSize, removesMatches: true) {
            (matched: [DeadLetterCursor.Located]) async throws(RedisError) in
            replayed += try await replayWindow(matched, tombstone: tombstone)
        }
        return replayed
    }
    /// The dry run of ``replay(matching:chunkSize:)``: counts what matches and changes nothing.
    /// Done marks are read in one pipeline per window.
    public func preview(
        matching filter: DeadLetterFilter,
        idLimit: Int = 20,
        chunkSize: Int = 500
    ) async throws(RedisError) -> DeadLetterPreview {
        var preview = DeadLetterPreview()
        var distinctIDs: Set<String> = []
        try await walk(matching: filter, chunkSize: chunkSize, removesMatches: false) {
            (matched: [DeadLetterCursor.Located]) async throws(RedisError) in
            var newIDs: [String] = []
            for (entry, _) in matched {
                preview.matched += 1
                preview.byType[entry.letter?.type ?? DeadLetterPreview.noType, default: 0] += 1
                if let id = entry.letter?.id, distinctIDs.insert(id).inserted {
                    newIDs.append(id)
                    preview.distinctIDs += 1
                    if preview.ids.count < idLimit { preview.ids.append(id) }
                }
            }
            preview.alreadyDone += try await doneCount(newIDs)
        }
        return preview
    }

    /// How many of `ids` have the done mark, in one pipeline.
    func doneCount(_ ids: [String]) async throws(RedisError) -> Int {
        if ids.isEmpty { return 0 }
        let replies = try await client.pipeline(ids.map { RedisCommand("GET", keys.event(id: $0)) })
        return replies.filter { $0.string == "done" }.count
    }

    /// Queues the window's matched entries and removes them from the list in one script.
    func replayWindow(_ matched: [DeadLetterCursor.Located], tombstone: String) async throws(RedisError) -> Int {
        var arguments: [any RedisArgument] = [tombstone]
        for (entry, fromTail) in matched {
            guard let letter = entry.letter else { continue }
            arguments += [entry.stored, ByteBuffer(data: letter.body), fromTail]
        }
        if arguments.count == 1 { return 0 }
        return try await script(Self.replayWindow, keys: [keys.dead, keys.events], arguments: arguments).int ?? 0
    }

    /// ARGV: a tombstone, then (stored entry, raw body, position from the tail) per entry, oldest
    /// first. LREM costs a scan from one end of the list, which on 100,000 entries is ~20 ms; so an
    /// entry still at its position is overwritten in place (LSET) and all of the window's go in one
    /// LREM of the tombstone from the nearer end. An entry that moved (someone else removed an
    /// older one) is removed by value instead; one already gone is skipped. Returns how many moved.
    static let replayWindow = RedisScript(
        """
        local moved, marked, last = 0, 0, 0
        for i = 2, #ARGV, 3 do
          local e, p = ARGV[i], tonumber(ARGV[i + 2])
          if redis.call('LINDEX', KEYS[1], -p) == e then
            redis.call('LSET', KEYS[1], -p, ARGV[1])
            marked = marked + 1
            last = p
            redis.call('LPUSH', KEYS[2], ARGV[i + 1])
            moved = moved + 1
          elseif redis.call('LREM', KEYS[1], -1, e) == 1 then
            redis.call('LPUSH', KEYS[2], ARGV[i + 1])
            moved = moved + 1
          end
        end
        if marked > 0 then
          if last * 2 > redis.call('LLEN', KEYS[1]) then
            redis.call('LREM', KEYS[1], marked, ARGV[1])
          else
            redis.call('LREM', KEYS[1], -marked, ARGV[1])
          end
        end
        return moved
        """
    )
}
