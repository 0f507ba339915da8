import AnimaQueue
import AnimaRedis
import AnimaWebhooks
import CoreMetrics
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import Synchronization
import Tracing

/// Taking events: the fetch loop, and the quick path of events that need no task of their own.
extension Worker {
    func fetchLoop(_ group: inout DiscardingTaskGroup) async {
        var delay = Duration.milliseconds(50)
        // The paused types, limits and breakers before the first take (a worker that took
        // without them would run a limited type unchecked); upkeep refreshes them every tick.
        _ = await persist("read the paused types and limits", until: stopping) { () throws(RedisError) in try await self.refreshQueueView() }
        // While the events taken need no handler slot (builtin handlers, duplicates), take up
        // to `quickBatch` at once rather than as many as there are free slots.
        var quickLately = false
        // Whether the last take emptied the queue: then the next one waits for an event at once.
        var drained = false
        while !stopping.isFired {
            let free = await limiter.waitForFree()
            if free == 0 || stopping.isFired { break }
            do {
                try await returnUnheldIfNeeded()
                let limit = quickLately ? max(free, ConcurrencyLimiter.quickBatch) : free
                let batch = await withReceipts(try await takeHeldThenPending(free: free, limit: limit, drained: &drained))
                recovered()
                delay = .milliseconds(50)
                if stopping.isFired {
                    // Back to the front of the line, the newest first, so that they keep their order.
                    await settle(batch.reversed().map { JudgedEvent($0, .returnUntried, lease: $0.lease) })
                    break
                }
                let (allQuick, backInLine) = dispatch(batch, slots: free, in: &group)
                // An empty take says nothing: a large first take after an idle spell could
                // park a batch that a resume meanwhile sends back in reverse order.
                quickLately = allQuick && !batch.isEmpty
                if !backInLine.isEmpty {
                    // Settled before the next take, which would otherwise pass them.
                    await settle(backInLine)
                    held.remove(backInLine.map(\.stored))
                }
            } catch {
                drained = false
                failed("take events", error)
                await stopping.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// After a Redis failure: puts back what sits in our processing list without our knowing.
    private func returnUnheldIfNeeded() async throws(RedisError) {
        guard mayHoldUnseen.withLockedValue({ $0 }) else { return }
        mayHoldUnseen.withLockedValue { $0 = false }
        let unheld = try await queue.unheld(held.snapshot)
        if unheld.isEmpty { return }
        let settled = await settle(unheld.map { JudgedEvent(stored: $0, parsed: ParsedEntry($0), verdict: .returnUntried) })
        let returned = settled?.count { $0 == .moved(true) } ?? 0
        if returned > 0 {
            logger.warning(
                "returned \(returned) events to the queue that sat in this worker's processing list unheld (a lost take reply, or a Redis failover)"
            )
        }
    }

    /// Held events first (up to the free slots: they must not go back in line), then pending
    /// ones. While events are held back, takes do not block: when neither finds anything, the
    /// loop waits until a settle here frees room, or ``heldPoll`` passes (room freed by
    /// another worker, a rate's next start, a breaker's probe).
    private func takeHeldThenPending(free: Int, limit: Int, drained: inout Bool) async throws(RedisError) -> [WorkerQueue.Taken<ParsedEntry>] {
        let holding = holdsBack
        let held = holding ? try await takeHeld(limit: free) : []
        if held.count >= limit { return held }
        let pending = try await queue.takeAndClaim(
            limit: limit - held.count,
            block: holding ? .zero : configuration.blockTime,
            waitFirst: drained && !holding,
            order: configuration.orderKey,
            lease: configuration.leaseTTL,
            token: leaseToken,
            parse: parseEntry,
            admit: admission
        )
        drained = held.count + pending.count < limit
        if holding && held.isEmpty && pending.isEmpty { await roomFreed.withLockedValue { $0 }.sleep(for: Self.heldPoll) }
        return held + pending
    }

    /// How often a worker looks for room while events are held back and it finds nothing to do.
    static let heldPoll = Duration.milliseconds(20)

    /// A new lease token: unique per worker process.
    var leaseToken: @Sendable () -> String {
        let tokenPrefix = "lease:\(configuration.workerID):"
        return { tokenPrefix + String(self.tokenCounter.add(1, ordering: .relaxed).newValue) }
    }

    /// Parses a taken entry, naming the id to claim unless it is malformed or out of attempts.
    var parseEntry: @Sendable (ByteBuffer) -> (ParsedEntry, claimID: String?) {
        let maxAttempts = configuration.maxAttempts
        return { stored in
            let parsed = ParsedEntry(stored)
            guard case .success(let identity) = parsed.identity, parsed.entry.attempts < maxAttempts else {
                return (parsed, nil)
            }
            return (parsed, identity.id)
        }
    }

    /// Events whose handling needs no task of their own (duplicates, builtin handlers, unhandled
    /// types) are judged right here and settled together in one round trip; each other event
    /// gets a task and a slot, up to `slots`. Returns whether every event was judged here (and
    /// none parked), and the events that may go back into a list in their order: parked ones (a
    /// resume may have come meanwhile) and those beyond the free slots, which go back to the
    /// front of the queue untried, the newest first.
    private func dispatch(
        _ batch: [WorkerQueue.Taken<ParsedEntry>],
        slots: Int,
        in group: inout DiscardingTaskGroup
    ) -> (allQuick: Bool, backInLine: [JudgedEvent]) {
        held.add(batch.map(\.stored))
        var quick: [JudgedEvent] = []
        var slow: [WorkerQueue.Taken<ParsedEntry>] = []
        var untried: [JudgedEvent] = []
        var parked: [JudgedEvent] = []
        for taken in batch {
            if let judged = judgeAtOnce(taken) {
                if case .park = judged.verdict { parked.append(judged) } else { quick.append(judged) }
            } else if slow.count < slots {
                slow.append(taken)
            } else {
                untried.append(JudgedEvent(taken, .returnUntried, lease: taken.lease))
            }
        }
        limiter.acquire(slow.count)
        limiter.beginSettling(quick.count)
        metrics.inFlight.record(limiter.inUse)
        for taken in slow {
            group.addTask {
                if let judged = await self.judge(taken) { await self.settle([judged]) }
                self.release([taken.stored])
            }
        }
        if !quick.isEmpty {
            // Settled beside the next take; these verdicts move nothing whose order matters.
            group.addTask {
                await self.settle(quick)
                self.held.remove(quick.map(\.stored))
                self.limiter.settled(quick.count)
                self.metrics.inFlight.record(self.limiter.inUse)
            }
        }
        // Parked events do not make the next take larger: parked by one take after a resume, a
        // batch would go back to the front of the queue in reverse order.
        return (slow.isEmpty && parked.isEmpty, parked + untried.reversed())
    }

    /// The entries are settled (or given up): their slots are free again.
    private func release(_ entries: [ByteBuffer]) {
        held.remove(entries)
        for _ in entries { limiter.release() }
        metrics.inFlight.record(limiter.inUse)
    }

    /// Runs an inline handler (or recognises a duplicate or an unhandled type) at once;
    /// nil when the event needs the full path.
    private func judgeAtOnce(_ taken: WorkerQueue.Taken<ParsedEntry>) -> JudgedEvent? {
        if let parked = parkIfPaused(taken) { return parked }
        guard case .success(let identity) = taken.parsed.identity, let claim = taken.claim else { return nil }
        switch claim {
        case .alreadyDone:
            return JudgedEvent(taken, .acknowledgeDuplicate, startedAt: Date().timeIntervalSince1970)
        case .heldElsewhere:
            return nil
        case .heldBack(let reason):
            return JudgedEvent(taken, .holdBack(reason))
        case .claimed:
            let handler = handlers.handler(for: identity.type)
            if let handler, !handler.runsInline { return nil }
            let judged = JudgedEvent(taken, handler == nil ? .unhandled : .complete, lease: taken.lease, startedAt: Date().timeIntervalSince1970)
            let span = attemptTracer?.start(id: identity.id, type: identity.type, attempt: judged.attempt, receipt: taken.receipt)
            // `builtin:ack` looks at nothing: spare it the copy of the body and the logger.
            if let handler, !(handler is AckHandler) {
                let event = WebhookEvent(id: identity.id, type: identity.type, attempt: judged.attempt, body: Data(buffer: taken.parsed.entry.body))
                let context = HandlerContext(logger: eventLogger(judged), timeout: configuration.handlerTimeout)
                if let span {
                    ServiceContext.withValue(span.context) { handler.handleInline(event, context: context) }
                } else {
                    handler.handleInline(event, context: context)
                }
            }
            if let span { attemptTracer?.end(span, judged.outcome) }
            return judged
        }
    }
}
