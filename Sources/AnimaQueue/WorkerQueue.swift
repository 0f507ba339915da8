public import AnimaRedis
public import NIOCore
import NIOFoundationCompat

/// The queue as one worker process sees it: reliable take, claim, lease renewal, completion,
/// retry, dead letters, put-back, promotion of due retries and recovery of dead workers.
/// Every state change is one atomic step on the server (a Lua script), so a worker can die
/// between any two of them and lose nothing.
///
/// Key layout (prefix `anima`):
/// - `anima:events` — pending list (LPUSH in, taken from the right)
/// - `anima:processing:<worker>` — what one worker has taken and not finished
/// - `anima:worker:<worker>` — that worker's heartbeat (expires), `anima:workers` — the set of ids
/// - `anima:scheduled` — retries and deferred duplicates, scored by due time (ms)
/// - `anima:event:<id>` — `lease:…` while a handler runs, `done` (7 days) after success
/// - `anima:dead` — dead letters, newest first
public struct WorkerQueue: Sendable {
    public let keys: QueueKeys
    public let workerID: String
    /// Serves the short commands of every running event; concurrent calls are pipelined.
    let operations: RedisClient
    /// Serves the blocking take alone (a blocked connection cannot serve anything else).
    let fetcher: RedisClient
    /// What this worker read of the pending list's tail for its next ordered take.
    let orderHints = OrderHints()
    /// How long a done mark lives: 7 days.
    public static let doneTTLSeconds = 604_800

    public init(keys: QueueKeys, workerID: String, operations: RedisClient, fetcher: RedisClient) {
        self.keys = keys
        self.workerID = workerID
        self.operations = operations
        self.fetcher = fetcher
    }

    var processing: String { keys.processing(workerID: workerID) }

    /// Claims an event id for `lease`, which lives `duration` unless renewed (a batch of one).
    /// With `admitting`, the claim admits the taken `entry` under the limit and breaker of that
    /// type as ``FlowScripts/claimBatch`` does (a held-back event leaves the processing list).
    public func claim(
        _ lease: EventLease, for duration: Duration, admitting flow: (type: String, entry: ByteBuffer)? = nil
    ) async throws(RedisError) -> ClaimResult {
        let mark = keys.event(id: lease.eventID)
        let reply =
            if let flow {
                try await operations.evaluate(
                    FlowScripts.claimBatch, keys: [mark],
                    arguments: [duration.milliseconds, keys.prefix, processing, lease.token, flow.type, flow.entry])
            } else {
                try await operations.evaluate(QueueScripts.claimBatch, keys: [mark], arguments: [duration.milliseconds, lease.token])
            }
        guard let claim = reply.array?.first.flatMap(ClaimResult.init(reply:)) else {
            throw RedisError(.unexpectedReply, "claim answered \(reply)")
        }
        return claim
    }

    /// Extends a running handler's lease.
    public func renew(eventID: String, token: String, lease: Duration) async throws(RedisError) -> LeaseRenewal {
        let reply = try await operations.evaluate(
            QueueScripts.renew,
            keys: [keys.event(id: eventID)],
            arguments: [token, lease.milliseconds]
        )
        guard let renewal = LeaseRenewal(reply: reply) else { throw RedisError(.unexpectedReply, "renew answered \(reply)") }
        return renewal
    }

    /// Takes an ``LeaseRenewal/expired`` lease again while `entry` is still unsettled in this
    /// worker's processing list and nobody else took the event. True when the lease is ours.
    public func retake(eventID: String, token: String, entry: ByteBuffer, lease: Duration) async throws(RedisError) -> Bool {
        try await operations.evaluate(
            QueueScripts.retake,
            keys: [keys.event(id: eventID), processing],
            arguments: [token, lease.milliseconds, entry]
        ).int == 1
    }

    /// Settles events in one script call (``SettleScript``; shared with other concurrent
    /// callers of the connection). Every step is safe to send again after a lost reply: it
    /// finds the entry gone and changes nothing.
    public func settle(_ settlements: [Settlement]) async throws(RedisError) -> [Settled] {
        try await settle(settlements, recording: nil).settled
    }

    /// ``settle(_:)``, recording `history` in the same script call (capped to `maxLength`
    /// outcomes), and releasing `flows` (``FlowScripts/settle``). The recording's reply (the
    /// receipts, or its error) comes back as it is: a failed recording never fails the
    /// settlement, whose steps have run by then. Nil when there is no `history`. One step's
    /// error reply is thrown, after every other step ran. `transitions` has one entry per
    /// release: the breaker's change it caused, if any. `again`: the same call sent after a lost
    /// reply, so that what the first one did (the history's records, the breaker's counts)
    /// is not done twice.
    public func settle(
        _ settlements: [Settlement], flows: [FlowRelease] = [], recording history: HistoryBatch?, maxLength: Int = 0, again: Bool = false
    ) async throws(RedisError) -> (settled: [Settled], recorded: RedisValue?, transitions: [BreakerTransition?]) {
        if settlements.isEmpty && history == nil && flows.isEmpty { return ([], nil, []) }
        let call = SettleScript.call(
            settlements, flows: flows, history: history, maxLength: maxLength, again: again, keys: keys, processing: processing)
        let reply = try await operations.send(call)
        if case .error(let message) = reply { throw RedisError.reply(message, to: "settle") }
        guard let parts = reply.array, parts.count == 3, let results = parts[0].array, results.count == settlements.count else {
            throw RedisError(.unexpectedReply, "settle answered \(reply)")
        }
        let settled = try zip(settlements, results).map { (settlement, result) throws(RedisError) in try Self.settled(settlement, result) }
        let transitions = (parts[2].array ?? []).map(BreakerTransition.init(reply:))
        return (
            settled, history == nil ? nil : parts[1], transitions + Array(repeating: nil, count: max(0, flows.count - transitions.count))
        )
    }

    private static func settled(_ settlement: Settlement, _ reply: RedisValue) throws(RedisError) -> Settled {
        if case .error(let message) = reply { throw RedisError.reply(message, to: "settle") }
        guard case .complete = settlement.step else { return .moved(reply.int == 1) }
        guard let completion = Completion(reply: reply) else {
            throw RedisError(.unexpectedReply, "complete answered \(reply)")
        }
        return .completed(completion)
    }

    private func settle(_ settlement: Settlement) async throws(RedisError) -> Settled {
        try await settle([settlement])[0]
    }

    /// Records success and acknowledges the entry.
    @discardableResult
    public func complete(entry: ByteBuffer, eventID: String, token: String) async throws(RedisError) -> Completion {
        guard
            case .completed(let completion) = try await settle(
                Settlement(entry: entry, step: .complete(EventLease(eventID: eventID, token: token))))
        else { throw RedisError(.unexpectedReply, "complete") }
        return completion
    }

    /// Acknowledges an entry without recording anything (a duplicate of a done event).
    public func acknowledge(entry: ByteBuffer) async throws(RedisError) {
        _ = try await settle(Settlement(entry: entry, step: .acknowledge))
    }

    /// Releases the lease and schedules `body` again after `delay`, with `attempts` counted.
    /// Returns false when the entry was no longer ours (recovered by another worker).
    @discardableResult
    public func retry(
        entry: ByteBuffer,
        releasing lease: EventLease?,
        body: ByteBuffer,
        attempts: Int,
        delay: Duration
    ) async throws(RedisError) -> Bool {
        let scheduled = QueueEntry.encode(body: body, attempts: attempts)
        return try await settle(Settlement(entry: entry, step: .schedule(scheduled, after: delay, releasing: lease))) == .moved(true)
    }

    /// Releases the lease (if any) and moves the entry to the dead letters as `letter`.
    /// Returns false when the entry was no longer ours.
    @discardableResult
    public func deadLetter(entry: ByteBuffer, releasing lease: EventLease?, letter: ByteBuffer) async throws(RedisError) -> Bool {
        try await settle(Settlement(entry: entry, step: .deadLetter(letter, releasing: lease))) == .moved(true)
    }

    /// Puts an interrupted event back at the front of the pending list, unchanged, releasing the lease.
    /// Returns false when the entry was no longer ours.
    @discardableResult
    public func putBack(entry: ByteBuffer, releasing lease: EventLease?) async throws(RedisError) -> Bool {
        try await settle(Settlement(entry: entry, step: .putBack(releasing: lease))) == .moved(true)
    }

    /// The entries of this worker's processing list that are not in `held`: entries a take
    /// moved here although its reply never reached the worker (the connection dropped or timed
    /// out after Redis ran it). No attempt was made on them; the worker puts them back.
    public func unheld(_ held: Set<ByteBuffer>) async throws(RedisError) -> [ByteBuffer] {
        let listed = try await operations.send(RedisCommand("LRANGE", processing, "0", "-1"))
        return (listed.array ?? []).compactMap(\.bytes).filter { !held.contains($0) }
    }

    /// Refreshes this worker's heartbeat and registration.
    public func heartbeat(_ beat: WorkerHeartbeat, ttl: Duration) async throws(RedisError) {
        _ = try await operations.pipeline([
            RedisCommand("SET", keys.worker(id: workerID), ByteBuffer(data: beat.encoded()), "PX", ttl.milliseconds),
            RedisCommand("SADD", keys.workers, workerID),
        ])
    }

    /// Moves due retries to the pending list. Returns how many.
    public func promoteDueRetries(limit: Int = 1000) async throws(RedisError) -> Int {
        try await operations.evaluate(QueueScripts.promote, keys: [keys.scheduled, keys.events], arguments: [limit]).int ?? 0
    }

    /// Returns the events of workers whose heartbeat expired. Returns how many.
    public func recoverDeadWorkers() async throws(RedisError) -> Int {
        try await operations.evaluate(QueueScripts.recover, keys: [keys.workers, keys.events], arguments: [keys.prefix]).int ?? 0
    }

    /// Clean stop: returns anything left, removes the heartbeat and the registration.
    @discardableResult
    public func deregister() async throws(RedisError) -> Int {
        try await operations.evaluate(
            QueueScripts.deregister,
            keys: [processing, keys.events, keys.worker(id: workerID), keys.workers],
            arguments: [workerID]
        ).int ?? 0
    }
}

extension Duration {
    /// Whole milliseconds, at least 1.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
