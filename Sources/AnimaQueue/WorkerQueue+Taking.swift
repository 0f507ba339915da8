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
        /// The event's receipt, when the caller read it (``WorkerQueue/receipts(of:)``).
        public var receipt: Receipt? = nil
    }

    /// Takes up to `limit` events (blocking up to `block` when none is pending), runs `parse`
    /// on each (on the connection's thread), and claims every id that `parse` names.
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
        parse: @escaping @Sendable (ByteBuffer) -> (Parsed, claimID: String?)
    ) async throws(RedisError) -> [Taken<Parsed>] {
        let (keys, processing) = (self.keys, self.processing)
        let take = { @Sendable (count: Int) in QueueScripts.take.call(keys: [keys.events, processing], arguments: [count]) }
        let claims = Claims(keys: keys, leaseMilliseconds: lease.milliseconds, token: token, parse: parse)
        if let order {
            return try await takeOrdered(limit: limit, block: block, waitFirst: waitFirst, order: order, claims: claims)
        }
        return try await fetcher.withConnection { connection throws(RedisError) -> [Taken<Parsed>] in
            if !waitFirst {
                let entries = try Self.entries(of: connection.pipeline([take(limit)])[0])
                if !entries.isEmpty { return claims.made(for: entries, on: connection) }
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
    /// list onto itself (it moves nothing) pipelined with the take.
    private func takeOrdered<Parsed: Sendable>(
        limit: Int, block: Duration, waitFirst: Bool, order: OrderKeyPath, claims: Claims<Parsed>
    ) async throws(RedisError) -> [Taken<Parsed>] {
        let take = OrderScripts.take.call(
            keys: [keys.events, processing, keys.orderWaits],
            arguments: [limit, keys.prefix] as [any RedisArgument] + order.segments
        )
        let events = keys.events
        return try await fetcher.withConnection { connection throws(RedisError) -> [Taken<Parsed>] in
            guard waitFirst else { return try claims.made(forOrdered: connection.pipeline([take])[0], on: connection) }
            connection.setCommandTimeout(block + connection.configuration.commandTimeout)
            let wait = RedisCommand("BLMOVE", events, events, "RIGHT", "RIGHT", String(block.seconds))
            let replies = Result { () throws(RedisError) in try connection.pipeline([wait, take]) }
            connection.setCommandTimeout(nil)
            return try claims.made(forOrdered: replies.get()[1], on: connection)
        }
    }

    /// The entries of a take script's reply.
    fileprivate static func entries(of reply: RedisValue) throws(RedisError) -> [ByteBuffer] {
        if case .error(let message) = reply { throw RedisError.reply(message, to: "take") }
        return (reply.array ?? []).compactMap(\.bytes)
    }
}

/// Parses taken entries and claims the ids they name, on the connection's thread.
private struct Claims<Parsed: Sendable> {
    let keys: QueueKeys
    let leaseMilliseconds: Int
    let token: @Sendable () -> String
    let parse: @Sendable (ByteBuffer) -> (Parsed, claimID: String?)

    /// What `parse` made of each entry, the lease it asked for, and the one script call that
    /// claims them all (nil when no entry names an id).
    private func prepare(_ entries: [ByteBuffer]) -> (parsed: [(Parsed, EventLease?)], claims: RedisCommand?) {
        var parsed: [(Parsed, EventLease?)] = []
        parsed.reserveCapacity(entries.count)
        var marks: [String] = []
        var arguments: [any RedisArgument] = [leaseMilliseconds]
        for entry in entries {
            let (value, claimID) = parse(entry)
            let lease = claimID.map { EventLease(eventID: $0, token: token()) }
            if let lease {
                marks.append(keys.event(id: lease.eventID))
                arguments.append(lease.token)
            }
            parsed.append((value, lease))
        }
        return (parsed, marks.isEmpty ? nil : QueueScripts.claimBatch.call(keys: marks, arguments: arguments))
    }

    /// Pairs each entry with its claim's result in the batch's `reply`; a claim without one
    /// (no reply, an error reply) is made again later.
    private func assemble(
        _ entries: [ByteBuffer], _ parsed: [(Parsed, EventLease?)], reply: RedisValue?
    ) -> [WorkerQueue.Taken<Parsed>] {
        var results = (reply?.array ?? []).makeIterator()
        return zip(entries, parsed).map { entry, item in
            let (value, lease) = item
            let claim = lease == nil ? nil : results.next().flatMap(ClaimResult.init(reply:))
            return WorkerQueue.Taken(stored: entry, parsed: value, claim: claim, lease: claim == nil ? nil : lease)
        }
    }

    /// Claims a batch in one script call. A claim without an answer (the connection failed)
    /// is made again on the slow path.
    func made(for entries: [ByteBuffer], on connection: RedisConnection) -> [WorkerQueue.Taken<Parsed>] {
        let (parsed, claims) = prepare(entries)
        let reply = claims.flatMap { try? connection.send($0) }
        return assemble(entries, parsed, reply: reply)
    }

    /// Claims what an ordered take admitted (triples: entry, key, id), each with its hold.
    func made(forOrdered reply: RedisValue, on connection: RedisConnection) throws(RedisError) -> [WorkerQueue.Taken<Parsed>] {
        if case .error(let message) = reply { throw RedisError.reply(message, to: "ordered take") }
        let items = reply.array ?? []
        var entries: [ByteBuffer] = []
        var holds: [OrderHold?] = []
        for index in stride(from: 0, to: items.count - 2, by: 3) {
            guard let entry = items[index].bytes else { continue }
            entries.append(entry)
            holds.append(items[index + 1].string.flatMap { key in items[index + 2].string.map { OrderHold(key: key, eventID: $0) } })
        }
        var taken = made(for: entries, on: connection)
        for index in taken.indices { taken[index].hold = holds[index] }
        return taken
    }

    /// Claims `first` in one round trip with `more`, the take of what came after it. A lost
    /// reply is thrown: entries that `more` moved would sit in the processing list unseen.
    func made(forFirst first: ByteBuffer, thenTaking more: RedisCommand?, on connection: RedisConnection) throws(RedisError) -> [WorkerQueue.Taken<Parsed>] {
        let (parsed, claims) = prepare([first])
        let commands = (claims.map { [$0] } ?? []) + (more.map { [$0] } ?? [])
        let replies = try connection.pipeline(commands)
        let taken = assemble([first], parsed, reply: claims == nil ? nil : replies.first)
        // An error reply to the take moved nothing (only a refused script can fail here).
        guard more != nil, let later = try? WorkerQueue.entries(of: replies[replies.count - 1]), !later.isEmpty else { return taken }
        return taken + made(for: later, on: connection)
    }
}
