public import AnimaRedis
public import NIOCore

/// The reliable take: entries move from the pending list to this worker's processing list, and
/// every id the caller's parser names is claimed in the same visit to the connection.
extension WorkerQueue {
    /// One taken entry, with what the caller's parser made of it and, when it asked for a
    /// claim, the claim's result and the lease it asked for (both nil when the claim got no
    /// answer: claim it again).
    public struct Taken<Parsed: Sendable>: Sendable {
        public let stored: ByteBuffer
        public let parsed: Parsed
        public let claim: ClaimResult?
        public let lease: EventLease?
        /// The order key the event holds (ordered takes only).
        public var hold: OrderHold? = nil
        /// Its admission under its type's limit or breaker (see ``FlowScripts``).
        public var flow: FlowTicket? = nil
        /// The event's receipt, when the caller read it (``WorkerQueue/receipts(of:)``).
        public var receipt: Receipt? = nil
    }

    /// Takes up to `limit` events (blocking up to `block` when none is pending; zero: not at
    /// all, and never with `waitFirst`), runs `parse`
    /// on each (on the connection's thread), and claims every id that `parse` names; the
    /// claim admits those that `admit` names a flow-controlled type for (``FlowScripts``).
    ///
    /// One round trip takes a batch, one more claims it (one script call; a steady drain can take
    /// the next batch in that one, ``takeRound(ahead:next:limit:block:waitFirst:order:lease:token:parse:admit:)``).
    /// With `waitFirst` (the last take emptied the queue), the take waits first, in the same
    /// round trip: an event that finds the queue empty costs two round trips, not three.
    public func takeAndClaim<Parsed: Sendable>(
        limit: Int,
        block: Duration,
        waitFirst: Bool = false,
        order: OrderKeyPath? = nil,
        lease: Duration,
        token: @escaping @Sendable () -> String,
        parse: @escaping @Sendable (ByteBuffer) -> (Parsed, claimID: String?),
        admit: @escaping @Sendable (Parsed) -> String? = { _ in nil }
    ) async throws(RedisError) -> [Taken<Parsed>] {
        try await takeRound(
            ahead: .none, next: 0, limit: limit, block: block, waitFirst: waitFirst, order: order, lease: lease, token: token, parse: parse,
            admit: admit
        ).taken
    }

    /// A take as ``takeAndClaim(limit:block:waitFirst:order:lease:token:parse:admit:)`` makes
    /// it, which may also take up to `next` events ahead for the next round (``TakenAhead``),
    /// in the round trip of the batch's claims, when the batch came full and was not waited for.
    func takeRound<Parsed: Sendable>(
        limit: Int, block: Duration, waitFirst: Bool, order: OrderKeyPath?, next: Int, claims: BatchClaims<Parsed>
    ) async throws(RedisError) -> Round<Parsed> {
        if let order {
            return try await takeOrdered(limit: limit, block: block, waitFirst: waitFirst, order: order, next: next, claims: claims)
        }
        return try await fetcher.withConnection { connection throws(RedisError) -> Round<Parsed> in
            if !waitFirst {
                let entries = try Self.entries(of: connection.pipeline([self.plainTake(limit)])[0])
                if next > 0, entries.count == limit {
                    return claims.made(for: entries, then: self.aheadTake(next, order: nil), on: connection)
                }
                if !entries.isEmpty || block <= .zero { return Round(taken: claims.made(for: entries, on: connection)) }
            }
            // The take after the wait moves the events, registering the worker as it moves them
            // (see ``QueueScripts/take``).
            let replies = try self.pipeline([self.plainTake(limit)], waitingUpTo: block, on: connection)
            let entries = try Self.entries(of: replies[1])
            return Round(taken: claims.made(for: entries, on: connection))
        }
    }

    /// The plain take of up to `count` events, which registers this worker as it moves them.
    func plainTake(_ count: Int) -> RedisCommand {
        QueueScripts.take.call(keys: [keys.events, processing, keys.workers], arguments: [count, workerID])
    }

    /// The ordered take (see ``OrderScripts``): nothing leaves the pending list without its
    /// key being checked in the same script, so the wait for an event is a `BLMOVE` of the
    /// list onto itself (it moves nothing) pipelined with the take. A look at the pending
    /// list's tail goes with each take: the hints for the next one (``OrderHints``).
    private func takeOrdered<Parsed: Sendable>(
        limit: Int, block: Duration, waitFirst: Bool, order: OrderKeyPath, next: Int, claims: BatchClaims<Parsed>
    ) async throws(RedisError) -> Round<Parsed> {
        let take = OrderedTake(limit: limit, order: order, keys: keys, processing: processing, hints: orderHints)
        return try await fetcher.withConnection { connection throws(RedisError) -> Round<Parsed> in
            let replies =
                waitFirst ? try self.pipeline(take.commands, waitingUpTo: block, on: connection) : try connection.pipeline(take.commands)
            let (reply, hints) = try take.read(replies)
            let groups = try TakenGroups(reply, of: 3, flowType: nil, hints: hints)
            // Hints for a take ahead come from the look that just came back.
            let ahead = next > 0 && !waitFirst && groups.entries.count == limit ? self.aheadTake(next, order: order) : nil
            var round = claims.made(for: groups.entries, then: ahead, on: connection)
            groups.attach(to: &round.taken)
            return round
        }
    }

    /// `commands` after a wait of up to `block` for an event, in one round trip: the wait is a
    /// `BLMOVE` of the pending list onto itself, which moves nothing (the commands after it do,
    /// each in its own step). Replies: the wait's, then the commands'.
    private func pipeline(
        _ commands: [RedisCommand], waitingUpTo block: Duration, on connection: RedisConnection
    ) throws(RedisError)
        -> [RedisValue]
    {
        let wait = RedisCommand("BLMOVE", keys.events, keys.events, "RIGHT", "RIGHT", String(block.seconds))
        connection.setCommandTimeout(block + connection.configuration.commandTimeout)
        defer { connection.setCommandTimeout(nil) }
        return try connection.pipeline([wait] + commands)
    }

    /// The entries of a take script's reply.
    static func entries(of reply: RedisValue) throws(RedisError) -> [ByteBuffer] {
        if case .error(let message) = reply { throw RedisError.reply(message, to: "take") }
        return (reply.array ?? []).compactMap(\.bytes)
    }
}
