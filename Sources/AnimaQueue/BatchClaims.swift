import AnimaRedis
import NIOCore

/// Parses taken entries and claims the ids they name, on the connection's thread.
struct BatchClaims<Parsed: Sendable> {
    let keys: QueueKeys
    let processing: String
    let leaseMilliseconds: Int
    let token: @Sendable () -> String
    let parse: @Sendable (ByteBuffer) -> (Parsed, claimID: String?)
    let admit: @Sendable (Parsed) -> String?

    /// What `parse` made of each entry, the lease it asked for (and the type it is admitted
    /// under), and the one script call that claims them all (nil when no entry names an id).
    private func prepare(_ entries: [ByteBuffer]) -> (parsed: [Prepared], claims: RedisCommand?) {
        var parsed: [Prepared] = []
        parsed.reserveCapacity(entries.count)
        var marks: [String] = []
        var tokens: [any RedisArgument] = []
        var flows: [any RedisArgument] = []
        var admits = false
        for entry in entries {
            let (value, claimID) = parse(entry)
            let lease = claimID.map { EventLease(eventID: $0, token: token()) }
            let flow = lease == nil ? nil : admit(value)
            if let lease {
                marks.append(keys.event(id: lease.eventID))
                tokens.append(lease.token)
                if !admits, flow != nil {
                    admits = true
                    flows = Array(repeating: "", count: 2 * (tokens.count - 1))
                }
                if admits { flows += [flow ?? "", flow == nil ? "" : entry] }
            }
            parsed.append(Prepared(value: value, lease: lease, flow: flow))
        }
        if marks.isEmpty { return (parsed, nil) }
        if !admits {
            return (parsed, QueueScripts.claimBatch.call(keys: marks, arguments: [leaseMilliseconds] + tokens))
        }
        var arguments: [any RedisArgument] = [leaseMilliseconds, keys.prefix, processing]
        for index in tokens.indices { arguments += [tokens[index], flows[2 * index], flows[2 * index + 1]] }
        return (parsed, FlowScripts.claimBatch.call(keys: marks, arguments: arguments))
    }

    /// One parsed entry before its claim.
    struct Prepared {
        let value: Parsed
        let lease: EventLease?
        /// The flow-controlled type its claim admits it under.
        let flow: String?
    }

    /// Pairs each entry with its claim's result in the batch's `reply`; a claim without one
    /// (no reply, an error reply) is made again later.
    private func assemble(_ entries: [ByteBuffer], _ parsed: [Prepared], reply: RedisValue?) -> [WorkerQueue.Taken<Parsed>] {
        var results = (reply?.array ?? []).makeIterator()
        return zip(entries, parsed).map { entry, item in
            let claim = item.lease == nil ? nil : results.next().flatMap(ClaimResult.init(reply:))
            var taken = WorkerQueue.Taken(stored: entry, parsed: item.value, claim: claim, lease: claim == nil ? nil : item.lease)
            if claim == .claimed, let type = item.flow, let lease = item.lease { taken.flow = FlowTicket(type: type, token: lease.token) }
            return taken
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
    func made(forOrdered reply: RedisValue, hints: [OrderHint], on connection: RedisConnection) throws(RedisError) -> [WorkerQueue.Taken<Parsed>] {
        try made(forGroups: reply, of: 3, flowType: nil, hints: hints, on: connection)
    }

    /// Claims the held events of `type` that ``FlowScripts/takeHeld`` admitted (quadruples:
    /// entry, key, id, slot token), each with its hold and its admission.
    func made(forHeld reply: RedisValue, type: String, on connection: RedisConnection) throws(RedisError) -> [WorkerQueue.Taken<Parsed>] {
        try made(forGroups: reply, of: 4, flowType: type, on: connection)
    }

    private func made(
        forGroups reply: RedisValue, of size: Int, flowType: String?, hints: [OrderHint] = [], on connection: RedisConnection
    ) throws(RedisError) -> [WorkerQueue.Taken<Parsed>] {
        if case .error(let message) = reply { throw RedisError.reply(message, to: flowType == nil ? "ordered take" : "take of held events") }
        let items = reply.array ?? []
        var entries: [ByteBuffer] = []
        var holds: [OrderHold?] = []
        var tickets: [FlowTicket?] = []
        for index in stride(from: 0, to: items.count - size + 1, by: size) {
            guard let entry = items[index].bytes else { continue }
            entries.append(entry)
            if case .integer(let hint) = items[index + 1], hints.indices.contains(hint - 1) {
                holds.append(hints[hint - 1].hold)
            } else {
                holds.append(items[index + 1].string.flatMap { key in items[index + 2].string.map { OrderHold(key: key, eventID: $0) } })
            }
            tickets.append(flowType.flatMap { type in items[index + 3].string.map { FlowTicket(type: type, token: $0) } })
        }
        var taken = made(for: entries, on: connection)
        for index in taken.indices {
            taken[index].hold = holds[index]
            taken[index].flow = tickets[index]
        }
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
