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

    /// Claims the held events of `type` that ``FlowScripts/takeHeld`` admitted (quadruples:
    /// entry, key, id, slot token), each with its hold and its admission.
    func made(forHeld reply: RedisValue, type: String, on connection: RedisConnection) throws(RedisError) -> [WorkerQueue.Taken<Parsed>] {
        let groups = try TakenGroups(reply, of: 4, flowType: type)
        var taken = made(for: groups.entries, on: connection)
        groups.attach(to: &taken)
        return taken
    }

    /// Claims `entries` and, in the same round trip, takes the next round's events (`next`).
    /// A lost reply leaves the claims unanswered (made again on the slow path) and what the
    /// take moved unknown: the round's failure says so.
    func made(for entries: [ByteBuffer], then next: TakenAhead.Take?, on connection: RedisConnection) -> WorkerQueue.Round<Parsed> {
        let (parsed, claims) = prepare(entries)
        let commands = (claims.map { [$0] } ?? []) + (next?.commands ?? [])
        let replies: [RedisValue]
        do {
            replies = try connection.pipeline(commands)
        } catch {
            return WorkerQueue.Round(taken: assemble(entries, parsed, reply: nil), ahead: .none, failure: error)
        }
        let taken = assemble(entries, parsed, reply: claims == nil ? nil : replies.first)
        guard let next else { return WorkerQueue.Round(taken: taken) }
        do {
            return WorkerQueue.Round(taken: taken, ahead: try next.read(replies))
        } catch {
            return WorkerQueue.Round(taken: taken, ahead: .none, failure: error)
        }
    }

    /// Claims events taken ahead (with their holds), and takes the next round's (`next`).
    func made(_ ahead: TakenAhead, then next: TakenAhead.Take?, on connection: RedisConnection) -> WorkerQueue.Round<Parsed> {
        var round = made(for: ahead.entries, then: next, on: connection)
        ahead.groups?.attach(to: &round.taken)
        return round
    }

    /// Events taken ahead whose claims could not be sent: made again on the slow path.
    func unanswered(_ ahead: TakenAhead) -> [WorkerQueue.Taken<Parsed>] {
        var taken = assemble(ahead.entries, prepare(ahead.entries).parsed, reply: nil)
        ahead.groups?.attach(to: &taken)
        return taken
    }
}
