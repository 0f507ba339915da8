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
/// no hint fitted, the next look is twice as long (up to ``widest``) and starts at the end.
final class OrderHints: Sendable {
    private let next = Mutex<Hints>(Hints())
    private let counts = Mutex<(offered: Int, used: Int)>((0, 0))
    /// Where the next look starts (entries other workers are likely to take first), and how
    /// many entries it reads beyond a take's limit (0 but while searching).
    private let aim = Mutex((skip: 0, span: 0))

    /// A look reads at most a take's limit, up to this many entries…
    static let window = 256
    /// …and while searching at most this many, skipping at most ``farthest``.
    static let widest = 1024
    static let farthest = 4096

    /// Hints, and how many entries at the taking end their look skipped.
    struct Hints: Sendable {
        var hints: [OrderHint] = []
        var skip = 0
    }

    /// The look to send with a take of `limit`, and how many entries it skips.
    func look(at events: String, limit: Int) -> (RedisCommand, skip: Int) {
        let (skip, span) = aim.withLock { $0 }
        let count = max(min(limit, Self.window), span)
        return (RedisCommand("LRANGE", events, String(-(skip + count)), String(-(skip + 1))), skip)
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
    func read(_ reply: RedisValue, skip: Int, path: OrderKeyPath) {
        let entries = reply.array?.reversed().compactMap(\.bytes) ?? []
        let hints = entries.compactMap { OrderHint(stored: $0, path: path) }
        next.withLock { $0 = Hints(hints: hints, skip: skip) }
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
        aim.withLock { aim in
            aim =
                first == 0
                ? (0, min(max(count * 2, aim.span * 2), Self.widest))
                : (min(max(offered.skip + first - 1 - before, 0), Self.farthest), 0)
        }
    }

    /// Hints offered to takes so far, and used by them.
    var totals: (offered: Int, used: Int) { counts.withLock { $0 } }
}
