public import AnimaRedis
public import NIOCore

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
    /// How long a done mark lives: 7 days.
    public static let doneTTLSeconds = 604_800

    public init(keys: QueueKeys, workerID: String, operations: RedisClient, fetcher: RedisClient) {
        self.keys = keys
        self.workerID = workerID
        self.operations = operations
        self.fetcher = fetcher
    }

    var processing: String { keys.processing(workerID: workerID) }

    /// One taken entry, with what the caller's parser made of it and, when it asked for a
    /// claim, the claim's result (nil when the claim could not be sent: claim it again).
    public struct Taken<Parsed: Sendable>: Sendable {
        public let stored: ByteBuffer
        public let parsed: Parsed
        public let claim: ClaimResult?
        public let token: String?
    }

    /// The batch path: takes up to `limit` events (blocking up to `block` when none is
    /// pending), runs `parse` on each (on the connection's thread), and claims every id that
    /// `parse` names, all in one visit to the connection: one round trip to take, one pipelined
    /// round trip for all the claims.
    public func takeAndClaim<Parsed: Sendable>(
        limit: Int,
        block: Duration,
        lease: Duration,
        token: @escaping @Sendable () -> String,
        parse: @escaping @Sendable (ByteBuffer) -> (Parsed, claimID: String?)
    ) async throws(RedisError) -> [Taken<Parsed>] {
        let keys = self.keys
        let processing = self.processing
        let leaseMilliseconds = lease.milliseconds
        return try await fetcher.withConnection { connection throws(RedisError) -> [Taken<Parsed>] in
            var entries = try Self.take(connection, keys: keys, processing: processing, limit: limit, block: block)
            if entries.isEmpty { return [] }
            var parsed: [(Parsed, String?, String?)] = []
            parsed.reserveCapacity(entries.count)
            var claims: [RedisCommand] = []
            for entry in entries {
                let (value, claimID) = parse(entry)
                if let claimID {
                    let lease = token()
                    claims.append(
                        RedisCommand(
                            "EVALSHA",
                            arguments: [QueueScripts.claim.sha1, 1, keys.event(id: claimID), lease, leaseMilliseconds]
                        )
                    )
                    parsed.append((value, claimID, lease))
                } else {
                    parsed.append((value, nil, nil))
                }
            }
            var replies: [RedisValue] = []
            if !claims.isEmpty {
                // Scripts are loaded by the take; after a server restart in between, claims
                // answer NOSCRIPT and are simply claimed again on the slow path.
                replies = (try? connection.pipeline(claims)) ?? []
            }
            var next = replies.makeIterator()
            var taken: [Taken<Parsed>] = []
            taken.reserveCapacity(entries.count)
            for (index, (value, claimID, lease)) in parsed.enumerated() {
                var claim: ClaimResult?
                if claimID != nil, let reply = next.next() {
                    switch reply.int {
                    case 1: claim = .claimed
                    case 0: claim = .alreadyDone
                    case 2: claim = .heldElsewhere
                    default: claim = nil
                    }
                }
                taken.append(Taken(stored: entries[index], parsed: value, claim: claim, token: claim == nil ? nil : lease))
            }
            entries.removeAll()
            return taken
        }
    }

    private static func take(
        _ connection: RedisConnection,
        keys: QueueKeys,
        processing: String,
        limit: Int,
        block: Duration
    ) throws(RedisError) -> [ByteBuffer] {
        let batch = try connection.evaluate(QueueScripts.take, keys: [keys.events, processing], arguments: [limit])
        let entries = (batch.array ?? []).compactMap(\.bytes)
        if !entries.isEmpty { return entries }
        let seconds = block.seconds
        connection.setCommandTimeout(block + connection.configuration.commandTimeout)
        defer { connection.setCommandTimeout(nil) }
        let reply = try connection.send(RedisCommand("BLMOVE", keys.events, processing, "RIGHT", "LEFT", String(seconds)))
        return reply.bytes.map { [$0] } ?? []
    }

    /// Settles several finished events in one pipelined round trip: each `complete` writes its
    /// done mark (unless another worker owns the id now) and acknowledges its entry; each
    /// `acknowledge` only removes its entry (a duplicate of a done event).
    public func settle(_ settlements: [Settlement]) async throws(RedisError) {
        let processing = self.processing
        let keys = self.keys
        var commands: [RedisCommand] = []
        commands.reserveCapacity(settlements.count)
        for settlement in settlements {
            switch settlement {
            case .complete(let entry, let eventID, let token):
                commands.append(
                    RedisCommand(
                        "EVALSHA",
                        arguments: [QueueScripts.complete.sha1, 2, keys.event(id: eventID), processing, token, entry, Self.doneTTLSeconds]
                    )
                )
            case .acknowledge(let entry):
                commands.append(RedisCommand("LREM", processing, 1, entry))
            }
        }
        let replies = try await operations.pipeline(commands)
        // A server restart between the take and now forgets the scripts: send those again.
        var retry: [Settlement] = []
        for (settlement, reply) in zip(settlements, replies) {
            if case .error(let message) = reply {
                guard message.hasPrefix("NOSCRIPT") else { throw RedisError.reply(message, to: "settle") }
                retry.append(settlement)
            }
        }
        for case .complete(let entry, let eventID, let token) in retry {
            try await complete(entry: entry, eventID: eventID, token: token)
        }
    }

    /// One finished event for ``settle(_:)``.
    public enum Settlement: Sendable {
        case complete(entry: ByteBuffer, eventID: String, token: String)
        case acknowledge(entry: ByteBuffer)
    }

    public func claim(eventID: String, token: String, lease: Duration) async throws(RedisError) -> ClaimResult {
        let reply = try await script(QueueScripts.claim, keys: [keys.event(id: eventID)], arguments: [token, lease.milliseconds])
        switch reply.int {
        case 1: return .claimed
        case 0: return .alreadyDone
        default: return .heldElsewhere
        }
    }

    /// Extends a running handler's lease.
    public func renew(eventID: String, token: String, lease: Duration) async throws(RedisError) -> LeaseRenewal {
        switch try await script(QueueScripts.renew, keys: [keys.event(id: eventID)], arguments: [token, lease.milliseconds]).int {
        case 1: .extended
        case 2: .expired
        default: .lost
        }
    }

    /// Takes an ``LeaseRenewal/expired`` lease again while `entry` is still unsettled in this
    /// worker's processing list and nobody else took the event. True when the lease is ours.
    public func retake(eventID: String, token: String, entry: ByteBuffer, lease: Duration) async throws(RedisError) -> Bool {
        try await script(
            QueueScripts.retake,
            keys: [keys.event(id: eventID), processing],
            arguments: [token, lease.milliseconds, entry]
        ).int == 1
    }

    /// Records success and acknowledges the entry.
    @discardableResult
    public func complete(entry: ByteBuffer, eventID: String, token: String) async throws(RedisError) -> Completion {
        let reply = try await script(
            QueueScripts.complete,
            keys: [keys.event(id: eventID), processing],
            arguments: [token, entry, Self.doneTTLSeconds]
        )
        switch reply.int {
        case 1: return .recorded
        case 2: return .alreadyAcknowledged
        default: return .ownedElsewhere
        }
    }

    /// Acknowledges an entry without recording anything (a duplicate of a done event).
    public func acknowledge(entry: ByteBuffer) async throws(RedisError) {
        _ = try await operations.send(RedisCommand("LREM", processing, 1, entry))
    }

    /// Releases the lease and schedules `body` again after `delay`, with `attempts` counted.
    /// Returns false when the entry was no longer ours (recovered by another worker).
    @discardableResult
    public func retry(
        entry: ByteBuffer,
        eventID: String,
        token: String,
        body: ByteBuffer,
        attempts: Int,
        delay: Duration
    ) async throws(RedisError) -> Bool {
        try await settle(
            entry: entry,
            eventID: eventID,
            token: token,
            mode: "retry",
            payload: QueueEntry.encode(body: body, attempts: attempts),
            delay: delay
        )
    }

    /// Releases the lease (if any) and moves the entry to the dead letters as `letter`.
    @discardableResult
    public func deadLetter(entry: ByteBuffer, eventID: String?, token: String?, letter: ByteBuffer) async throws(RedisError) -> Bool {
        try await settle(entry: entry, eventID: eventID, token: token, mode: "dead", payload: letter, delay: .zero)
    }

    private func settle(
        entry: ByteBuffer,
        eventID: String?,
        token: String?,
        mode: String,
        payload: ByteBuffer,
        delay: Duration
    ) async throws(RedisError) -> Bool {
        try await script(
            QueueScripts.settle,
            keys: [keys.event(id: eventID ?? ""), processing, keys.scheduled, keys.dead],
            arguments: [token ?? "", entry, mode, payload, delay.milliseconds]
        ).int == 1
    }

    /// Puts an interrupted event back at the front of the pending list, unchanged, releasing the lease.
    public func putBack(entry: ByteBuffer, eventID: String?, token: String?) async throws(RedisError) {
        _ = try await script(
            QueueScripts.putBack,
            keys: [keys.event(id: eventID ?? ""), processing, keys.events],
            arguments: [token ?? "", entry]
        )
    }

    /// Puts back at the front of the pending list, unchanged, every entry of this worker's
    /// processing list that is not in `held`: entries a take moved here although its reply never
    /// reached the worker (the connection dropped or timed out after Redis ran it). No attempt
    /// was made on them. Returns how many.
    public func returnUnheld(_ held: Set<ByteBuffer>) async throws(RedisError) -> Int {
        let listed = try await operations.send(RedisCommand("LRANGE", processing, "0", "-1"))
        var returned = 0
        for entry in (listed.array ?? []).compactMap(\.bytes) where !held.contains(entry) {
            let moved = try await script(
                QueueScripts.putBack,
                keys: [keys.event(id: ""), processing, keys.events],
                arguments: ["", entry]
            )
            if moved.int == 1 { returned += 1 }
        }
        return returned
    }

    /// Refreshes this worker's heartbeat and registration.
    public func heartbeat(info: String, ttl: Duration) async throws(RedisError) {
        _ = try await operations.pipeline([
            RedisCommand("SET", keys.worker(id: workerID), info, "PX", ttl.milliseconds),
            RedisCommand("SADD", keys.workers, workerID),
        ])
    }

    /// Moves due retries to the pending list. Returns how many.
    public func promoteDueRetries(limit: Int = 1000) async throws(RedisError) -> Int {
        try await script(QueueScripts.promote, keys: [keys.scheduled, keys.events], arguments: [limit]).int ?? 0
    }

    /// Returns the events of workers whose heartbeat expired. Returns how many.
    public func recoverDeadWorkers() async throws(RedisError) -> Int {
        try await script(QueueScripts.recover, keys: [keys.workers, keys.events], arguments: [keys.prefix]).int ?? 0
    }

    /// Clean stop: returns anything left, removes the heartbeat and the registration.
    @discardableResult
    public func deregister() async throws(RedisError) -> Int {
        try await script(
            QueueScripts.deregister,
            keys: [processing, keys.events, keys.worker(id: workerID), keys.workers],
            arguments: [workerID]
        ).int ?? 0
    }

    private func script(_ script: RedisScript, keys: [String], arguments: [any RedisArgument]) async throws(RedisError) -> RedisValue {
        let all: [any RedisArgument] = keys + arguments
        do {
            return try await operations.send(RedisCommand("EVALSHA", arguments: [script.sha1, keys.count] + all))
        } catch  where error.code == .server && error.message.contains("NOSCRIPT") {
            return try await operations.send(RedisCommand("EVAL", arguments: [script.source, keys.count] + all))
        }
    }
}

extension Duration {
    /// Whole milliseconds, at least 1.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
