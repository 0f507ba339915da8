import AnimaRedis
import NIOCore
import Synchronization

/// The hints for a worker's next ordered take: read from a look at the tail of the pending list
/// sent with each take (``WorkerQueue`` pipelines `LRANGE` after the take script), so the
/// entries the next take moves are, in a steady drain, the ones hinted, in that order.
///
/// With several workers, others take from the same end between one take and the next: the look
/// skips as many entries as they took last time (the script says where its first entry was
/// found among the hints), so that it reads the entries this worker is likely to take. When
/// no hint fitted, the next look starts where this one ended (back at the end past
/// ``farthest``). A look never reads more entries than its take may move, so its reply is no
/// larger than the take's (entries may be up to the ingress's body limit each).
final class OrderHints: Sendable {
    private let next = Mutex<Hints>(Hints())
    private let counts = Mutex<(offered: Int, used: Int)>((0, 0))
    /// Where the next look starts: the entries other workers are likely to take first.
    private let skip = Mutex(0)

    /// A look reads as many entries as its take may move, up to this many…
    static let window = 256
    /// …skipping at most this many.
    static let farthest = 4096

    /// Hints, where each one's entry sat in the look (an entry too unclear for a hint has
    /// none), how many entries at the taking end the look skipped, and how many it read.
    struct Hints: Sendable {
        var hints: [OrderHint] = []
        var positions: [Int] = []
        var skip = 0
        var count = 0
    }

    /// The look to send with a take of `limit`, how many entries it skips and reads.
    func look(at events: String, limit: Int) -> (RedisCommand, skip: Int, count: Int) {
        let skipped = skip.withLock { $0 }
        let count = min(limit, Self.window)
        return (RedisCommand("LRANGE", events, String(-(skipped + count)), String(-(skipped + 1))), skipped, count)
    }

    /// The hints for the next take, once (a second take in flight gets none: it would find
    /// most of them taken).
    func take() -> Hints {
        next.withLock { hints in
            defer { hints = Hints() }
            return hints
        }
    }

    /// Reads the hints from an `LRANGE` of the pending list's taking end (oldest last), next to
    /// be taken first.
    func read(_ reply: RedisValue, skip: Int, count: Int, path: OrderKeyPath) {
        let entries = reply.array?.reversed().compactMap(\.bytes) ?? []
        var read = Hints(skip: skip, count: count)
        for (position, entry) in entries.enumerated() {
            guard let hint = OrderHint(stored: entry, path: path) else { continue }
            read.hints.append(hint)
            read.positions.append(position)
        }
        next.withLock { $0 = read }
    }

    /// A take offered `offered` hints and the script's answer began with `header`: the hints
    /// used, the first that fitted (0: none), and the entries it moved before that one.
    func record(_ offered: Hints, header: [RedisValue]) {
        let (used, first, before) = (header.first?.int ?? 0, header.dropFirst().first?.int ?? 0, header.last?.int ?? 0)
        let count = offered.hints.count
        counts.withLock {
            $0.offered += count
            $0.used += used
        }
        guard count > 0 else { return }
        skip.withLock { skip in
            let next =
                offered.positions.indices.contains(first - 1)
                ? offered.skip + offered.positions[first - 1] - before : offered.skip + offered.count
            skip = next > Self.farthest ? 0 : max(next, 0)
        }
    }

    /// Hints offered to takes so far, and used by them.
    var totals: (offered: Int, used: Int) { counts.withLock { $0 } }
}
