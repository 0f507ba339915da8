public import AnimaRedis
public import Foundation
public import Logging
import NIOConcurrencyHelpers
public import NIOCore
public import ServiceLifecycle

/// Pushes raw events onto the pending list, combining the pushes of concurrent callers into one
/// `LPUSH key v1 v2 …` round trip (group commit).
///
/// Each caller still gets its answer only after Redis acknowledged the batch that held its own
/// event. One connection on its own thread does all pushes, and a caller's event goes straight
/// from its thread to that one, with no task in between: while one batch is on the wire the
/// next one gathers, so throughput grows with concurrency instead of queueing behind one round
/// trip per request.
///
/// With `minReplicas` > 0, each batch's push is followed in the same pipeline by one
/// `WAIT minReplicas ms`, bounded by the batch's earliest deadline: the batch is stored only
/// when that many replicas confirmed it.
///
/// Run it as a `Service` (``run()``): it answers callers past their deadline, and on graceful
/// shutdown it pushes what is waiting, then stops.
public final class EventPusher: Service, Sendable {
    private let client: RedisClient
    private let key: String
    private let receivedKey: String?
    private let maxPending: Int
    private let maxBatch: Int
    private let minReplicas: Int
    private let onReplicaWait: @Sendable (_ confirmed: Bool, _ duration: Duration) -> Void
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var waiting: [PendingPush] = []
        /// The batch on the wire, so that the sweeper can answer it in time if Redis hangs.
        var inFlight: [PendingPush] = []
        /// A drain is queued or running on the connection's thread.
        var drainScheduled = false
        var stopping = false
    }

    /// How often waiting callers are checked against their deadlines.
    private static let sweepInterval = Duration.milliseconds(50)

    /// Pushes only while the list holds fewer than `ARGV[1]` entries; returns how many of the
    /// values (in order) were pushed.
    static let boundedPush = RedisScript(
        """
        local room = tonumber(ARGV[1]) - redis.call('LLEN', KEYS[1])
        local n = #ARGV - 1
        if room < n then n = room end
        if n <= 0 then return 0 end
        for i = 2, n + 1 do redis.call('LPUSH', KEYS[1], ARGV[i]) end
        return n
        """
    )

    /// - Parameters:
    ///   - client: the connection to push on; used by this pusher alone.
    ///   - key: the pending list (`anima:events`).
    ///   - receivedKey: the hash of receipts (`anima:received`): when and as of which sender
    ///     timestamp each body arrived, written in the same pipeline as the push.
    ///   - maxPending: refuse events while this many wait (0: no limit).
    ///   - maxBatch: the most events in one round trip.
    ///   - minReplicas: replicas that must confirm a batch (Redis `WAIT`) before it counts as stored.
    ///   - onReplicaWait: told of every `WAIT`: whether enough replicas confirmed, and how long it took.
    public init(
        client: RedisClient,
        key: String,
        receivedKey: String? = nil,
        maxPending: Int = 0,
        maxBatch: Int = 256,
        minReplicas: Int = 0,
        onReplicaWait: @escaping @Sendable (_ confirmed: Bool, _ duration: Duration) -> Void = { _, _ in },
        logger: Logger
    ) {
        self.client = client
        self.key = key
        self.receivedKey = receivedKey
        self.maxPending = maxPending
        self.maxBatch = maxBatch
        self.minReplicas = minReplicas
        self.onReplicaWait = onReplicaWait
        self.logger = logger
    }

    /// Stores `body` on the pending list, waiting at most `timeout` for Redis.
    /// (Within about 50 ms: one sweeper answers late callers, instead of a timer per request.)
    /// - Parameters:
    ///   - receivedAt: when the request arrived;
    ///   - sentAt: the sender's signed timestamp (seconds): both kept as the body's receipt;
    ///   - trace: the ingress's span of the event, kept in the receipt too.
    public func push(
        _ body: ByteBuffer, receivedAt: Date? = nil, sentAt: Int64? = nil, trace: TraceHeaders? = nil, timeout: Duration
    ) async -> PushOutcome {
        let item = pending(body, receivedAt: receivedAt, sentAt: sentAt, trace: trace, timeout: timeout, onAnswer: nil, loop: nil)
        guard enqueue(item) else { return .unavailable(reason: Self.shuttingDown) }
        return await item.outcome.wait()
    }

    /// The same without waiting: `then` is called once with the outcome, on `loop`. The
    /// answers of one batch reach each event loop in one hop.
    public func push(
        _ body: ByteBuffer,
        receivedAt: Date?,
        sentAt: Int64?,
        trace: TraceHeaders? = nil,
        timeout: Duration,
        on loop: any EventLoop,
        then: @escaping @Sendable (PushOutcome) -> Void
    ) {
        let item = pending(body, receivedAt: receivedAt, sentAt: sentAt, trace: trace, timeout: timeout, onAnswer: then, loop: loop)
        if !enqueue(item) { item.resolve(.unavailable(reason: Self.shuttingDown)) }
    }

    private static let shuttingDown = "the ingress is shutting down"

    private func pending(
        _ body: ByteBuffer, receivedAt: Date?, sentAt: Int64?, trace: TraceHeaders?, timeout: Duration,
        onAnswer: (@Sendable (PushOutcome) -> Void)?, loop: (any EventLoop)?
    ) -> PendingPush {
        var receipt: (digest: String, value: String)?
        if receivedKey != nil, let receivedAt, let sentAt {
            receipt = (Receipt.field(of: body), Receipt(receivedAt: receivedAt, sentAt: sentAt, trace: trace).text)
        }
        return PendingPush(body: body, receipt: receipt, deadline: .now + timeout, onAnswer: onAnswer, loop: loop)
    }

    /// Queues `item` for the next batch; false once stopping. The first item to find no drain
    /// under way schedules one on the connection's thread, straight from the caller's thread.
    private func enqueue(_ item: PendingPush) -> Bool {
        let accepted = state.withLockedValue { state -> Bool? in
            if state.stopping { return nil }
            state.waiting.append(item)
            defer { state.drainScheduled = true }
            return !state.drainScheduled
        }
        guard let schedule = accepted else { return false }
        if schedule { client.submit { connection in self.drain(connection) } }
        return true
    }

    /// Until shutdown: answers late callers. Then waits for what was waiting to be pushed,
    /// and closes the connection.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.sweep() }
            try? await gracefulShutdown()
            state.withLockedValue { $0.stopping = true }
            // Nothing is queued once stopping; a drain scheduled before runs ahead of this on the
            // connection's one thread and pushes everything that was waiting.
            _ = try? await client.withConnection { _ in }
            group.cancelAll()
        }
        await client.shutdown()
    }

    /// Runs on the connection's thread: pushes batches until nothing waits. Each batch is
    /// answered from here, on its callers' event loops.
    private func drain(_ connection: RedisConnection?) {
        while true {
            let batch = state.withLockedValue { state -> [PendingPush] in
                let count = min(state.waiting.count, maxBatch)
                if count == 0 { state.drainScheduled = false }
                defer { state.waiting.removeFirst(count) }
                return Array(state.waiting.prefix(count))
            }
            if batch.isEmpty { return }
            guard let connection else {
                PendingPush.resolve(batch, with: Array(repeating: .unavailable(reason: Self.shuttingDown), count: batch.count))
                continue
            }
            push(batch, on: connection)
        }
    }

    /// Answers `.timedOut` to callers past their deadline, waiting or on the wire.
    private func sweep() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.sweepInterval)
            let now = ContinuousClock.now
            let late = state.withLockedValue { state in
                (state.waiting + state.inFlight).filter { $0.deadline <= now }
            }
            for item in late { item.resolve(.timedOut) }
        }
    }

    private func push(_ batch: [PendingPush], on connection: RedisConnection) {
        let live = batch.filter { !$0.isResolved }
        if live.isEmpty { return }
        state.withLockedValue { $0.inFlight = live }
        defer { state.withLockedValue { $0.inFlight = [] } }
        let bodies: [any RedisArgument] = live.map(\.body)
        let receipts = receivedKey.map { Receipts(key: $0, entries: live.map(\.receipt)) }
        // WAIT must give up before the first caller's deadline, and before the connection's
        // own timeout (the push timeout) closes it; never 0, which waits forever.
        let remaining = Int(((live.map(\.deadline).min() ?? .now) - .now).wholeNanoseconds / 1_000_000)
        let waitMilliseconds = max(1, remaining - min(100, remaining / 4))
        do {
            let started = ContinuousClock.now
            let wait = minReplicas > 0 ? RedisCommand("WAIT", minReplicas, waitMilliseconds) : nil
            let (stored, confirmed) = try Self.store(
                bodies, in: key, maxPending: maxPending, receipts: receipts, then: wait, on: connection)
            if let confirmed {
                onReplicaWait(confirmed >= minReplicas, .now - started)
            }
            let outcomes = live.indices.map { index -> PushOutcome in
                switch (index < stored, confirmed) {
                case (false, _): .queueFull
                case (true, let count?) where count < minReplicas: .notReplicated(confirmed: count, required: minReplicas)
                case (true, _): .stored
                }
            }
            PendingPush.resolve(live, with: outcomes)
        } catch {
            logger.warning("push failed: \(error)", metadata: ["anima.batch.size": "\(live.count)"])
            PendingPush.resolve(live, with: Array(repeating: .unavailable(reason: error.description), count: live.count))
        }
    }

    /// One pipeline: the push (bounded by `maxPending` when > 0), then `wait` if any. Returns how
    /// many bodies (in order) were pushed, and how many replicas `WAIT` counted.
    private static func store(
        _ bodies: [any RedisArgument],
        in key: String,
        maxPending: Int,
        receipts: Receipts?,
        then wait: RedisCommand?,
        on connection: RedisConnection
    ) throws(RedisError) -> (stored: Int, confirmed: Int?) {
        let push =
            maxPending > 0
            ? boundedPush.call(keys: [key], arguments: [maxPending] + bodies)
            : RedisCommand("LPUSH", arguments: [key] + bodies)
        // The receipts go first, so that a worker taking an event at once finds its receipt.
        let head = receipts?.set.map { [$0] } ?? []
        var replies = try connection.pipeline(head + [push] + (wait.map { [$0] } ?? []))
        replies.removeFirst(head.count)
        if case .error(let message) = replies[0] { throw RedisError.reply(message, to: "push") }
        guard let count = replies[0].int else { throw RedisError(.unexpectedReply, "push answered \(replies[0])") }
        let stored = maxPending > 0 ? count : bodies.count
        if stored < bodies.count, let forget = receipts?.remove(after: stored) {
            _ = try? connection.pipeline([forget])  // refused bodies leave no receipt behind
        }
        guard wait != nil else { return (stored, nil) }
        if case .error(let message) = replies[1] { throw RedisError.reply(message, to: "WAIT") }
        guard let confirmed = replies[1].int else { throw RedisError(.unexpectedReply, "WAIT answered \(replies[1])") }
        return (stored, confirmed)
    }
}

/// The receipts of one batch, in the order of its bodies.
private struct Receipts: Sendable {
    let key: String
    let entries: [(digest: String, value: String)?]

    /// One `HSET` for the whole batch; nil when no body has a receipt.
    var set: RedisCommand? {
        let given = entries.compactMap { $0 }
        if given.isEmpty { return nil }
        return RedisCommand("HSET", arguments: [key] + given.flatMap { [$0.digest, $0.value] as [any RedisArgument] })
    }

    /// Removes the receipts of the bodies from `index` on (refused by `ANIMA_MAX_PENDING`).
    func remove(after index: Int) -> RedisCommand? {
        let refused = entries.dropFirst(index).compactMap { $0 }
        if refused.isEmpty { return nil }
        return RedisCommand("HDEL", arguments: [key] + refused.map { $0.digest as any RedisArgument })
    }
}
