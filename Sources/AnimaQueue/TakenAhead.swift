import AnimaRedis
public import NIOCore

/// Events that a round's take moved to this worker's processing list for the next round, not
/// yet claimed. The next round claims them in the round trip that takes the round after it, so
/// a steady drain costs one round trip per batch, not two (``WorkerQueue/takeRound``).
///
/// Until then they are the caller's: held as taken (a put-back of unheld entries must leave
/// them be), and put back untried, the newest first, if it stops before the next round.
public struct TakenAhead: Sendable {
    /// As stored, oldest first.
    public let entries: [ByteBuffer]
    /// Fewer came than were asked for: the pending list was empty behind them (or, ordered,
    /// the rest's keys were held).
    public let drained: Bool
    /// An ordered take's groups, whose holds the claims get.
    let groups: TakenGroups?

    public static let none = TakenAhead(entries: [], drained: false, groups: nil)

    public var isEmpty: Bool { entries.isEmpty }

    /// The take of a next round, as it goes into the pipeline after a batch's claims.
    struct Take: Sendable {
        let count: Int
        let commands: [RedisCommand]
        let ordered: OrderedTake?

        init(count: Int, take: RedisCommand) {
            (self.count, self.commands, self.ordered) = (count, [take], nil)
        }

        init(count: Int, ordered: OrderedTake) {
            (self.count, self.commands, self.ordered) = (count, ordered.commands, ordered)
        }

        /// What the take moved, from the replies to ``commands`` (the last of `replies`).
        func read(_ replies: [RedisValue]) throws(RedisError) -> TakenAhead {
            guard let ordered else {
                let entries = try WorkerQueue.entries(of: replies[replies.count - 1])
                return TakenAhead(entries: entries, drained: entries.count < count, groups: nil)
            }
            let (reply, hints) = try ordered.read(replies)
            let groups = try TakenGroups(reply, of: 3, flowType: nil, hints: hints)
            return TakenAhead(entries: groups.entries, drained: groups.entries.count < count, groups: groups)
        }
    }
}
