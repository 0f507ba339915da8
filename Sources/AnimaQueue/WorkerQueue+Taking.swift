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
    /// With pending events: one round trip takes a batch, one more claims it (one script call).
    /// With `waitFirst` (the last take emptied the queue), the take blocks at once, and the
    /// first event's claim goes in one round trip with the take of any that came after it: an
    /// event that finds the queue empty costs two round trips, not three.
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
        let (keys, processing) = (self.keys, self.processing)
        let take = { @Sendable (count: Int) in QueueScripts.take.call(keys: [keys.events, processing], arguments: [count]) }
        let claims = BatchClaims(
            keys: keys, processing: processing, leaseMilliseconds: lease.milliseconds, token: token, parse: parse, admit: admit)
        if let order {
            return try await takeOrdered(limit: limit, block: block, waitFirst: waitFirst, order: order, claims: claims)
        }
        return try await fetcher.withConnection { connection throws(RedisError) -> [Taken<Parsed>] in
            if !waitFirst {
                let entries = try Self.entries(of: connection.pipeline([take(limit)])[0])
                if !entries.isEmpty || block <= .zero { return claims.made(for: entries, on: connection) }
            }
            connection.setCommandTimeout(block + connection.configuration.commandTimeout)
            let waited = Result { () throws(RedisError) in
                try connection.send(RedisCommand("BLMOVE", keys.events, processing, "RIGHT", "LEFT", String(block.seconds)))
            }
            connection.setCommandTimeout(nil)
            guard let first = try waited.get().bytes else { return [] }
            return try claims.made(forFirst: first, thenTaking: limit > 1 ? take(limit - 1) : nil, on: connection)
        }
    }

    /// The ordered take (see ``OrderScripts``): nothing leaves the pending list without its
    /// key being checked in the same script, so the wait for an event is a `BLMOVE` of the
    /// list onto itself (it moves nothing) pipelined with the take. A look at the pending
    /// list's tail goes with each take: the hints for the next one (``OrderHints``).
    private func takeOrdered<Parsed: Sendable>(
        limit: Int, block: Duration, waitFirst: Bool, order: OrderKeyPath, claims: BatchClaims<Parsed>
    ) async throws(RedisError) -> [Taken<Parsed>] {
        let offered = orderHints.take()
        let hints = offered.hints
        var encoded = EncodedArguments(reservingCapacity: 96 * hints.count)
        for hint in hints { hint.append(to: &encoded, keys: keys) }
        let take = OrderScripts.take.call(
            keys: [keys.events, processing, keys.orderWaits],
            arguments: [limit, keys.prefix, order.segments.count] + order.segments,
            encoded: encoded
        )
        let events = keys.events
        let (look, skip, count) = orderHints.look(at: events, limit: limit)
        let orderHints = self.orderHints
        return try await fetcher.withConnection { connection throws(RedisError) -> [Taken<Parsed>] in
            var commands = [take, look]
            if waitFirst {
                connection.setCommandTimeout(block + connection.configuration.commandTimeout)
                commands.insert(RedisCommand("BLMOVE", events, events, "RIGHT", "RIGHT", String(block.seconds)), at: 0)
            }
            let replies = Result { () throws(RedisError) in try connection.pipeline(commands) }
            if waitFirst { connection.setCommandTimeout(nil) }
            let replied = try replies.get()
            let (reply, tail) = (replied[replied.count - 2], replied[replied.count - 1])
            orderHints.read(tail, skip: skip, count: count, path: order)
            if case .error(let message) = reply { throw RedisError.reply(message, to: "ordered take") }
            let items = reply.array ?? []
            orderHints.record(offered, header: Array(items.prefix(3)))
            return try claims.made(forOrdered: .array(Array(items.dropFirst(3))), hints: hints, on: connection)
        }
    }

    /// The entries of a take script's reply.
    static func entries(of reply: RedisValue) throws(RedisError) -> [ByteBuffer] {
        if case .error(let message) = reply { throw RedisError.reply(message, to: "take") }
        return (reply.array ?? []).compactMap(\.bytes)
    }
}
