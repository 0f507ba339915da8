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
        _ = await persist("read the paused types and limits", until: stopping) { () throws(RedisError) in
            try await self.refreshQueueView()
        }
        // While the events taken need no handler slot (builtin handlers, duplicates), take up
        // to `quickBatch` at once rather than as many as there are free slots, and a round ahead.
        var quickLately = false
        // Whether the last take emptied the queue: then the next one waits for an event at once.
        var drained = false
        var ahead = TakenAhead.none
        while !stopping.isFired {
            let free = await limiter.waitForFree()
            if free == 0 || stopping.isFired { break }
            do {
                try await returnUnheldIfNeeded()
                let limit = quickLately ? max(free, ConcurrencyLimiter.quickBatch) : free
                let (taken, failure) = try await takeHeldThenPending(
                    free: free, limit: limit, quick: quickLately, drained: &drained, ahead: &ahead)
                let batch = await withReceipts(taken)
                if let failure {
                    // The batch came; its claims or the take ahead got no answer.
                    drained = false
                    failed("take events", failure)
                } else {
                    recovered()
                    delay = .milliseconds(50)
                }
                if stopping.isFired {
                    // Back to the front of the line, the newest first, so that they keep their order.
                    await putBack(&ahead)
                    await settle(batch.reversed().map { JudgedEvent($0, .returnUntried, lease: $0.lease) }, until: stopping)
                    held.remove(batch.map(\.stored))
                    break
                }
                let (allQuick, backInLine) = dispatch(batch, slots: free, in: &group)
                // An empty take says nothing: a large first take after an idle spell could
                // park a batch that a resume meanwhile sends back in reverse order.
                quickLately = allQuick && !batch.isEmpty
                if !backInLine.isEmpty {
                    // Settled before the next take, which would otherwise pass them (events
                    // taken ahead already have: order is kept per key, not across keys).
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
        await putBack(&ahead)
    }

    /// Puts events taken ahead back at the front of the queue untried, the newest first, on
    /// the way out: one try (with Redis away, they wait in the processing list for the
    /// deregistration, or another worker's recovery).
    private func putBack(_ ahead: inout TakenAhead) async {
        if ahead.isEmpty { return }
        let entries = ahead.entries
        ahead = .none
        await settle(entries.reversed().map { JudgedEvent(stored: $0, parsed: ParsedEntry($0), verdict: .returnUntried) }, until: stopping)
        held.remove(entries)
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

    /// Events taken ahead first (see ``TakenAhead``), else held events (up to the free slots:
    /// they must not go back in line), then pending ones. While events are held back, takes do
    /// not block: when neither finds anything, the loop waits until a settle here frees room,
    /// or ``heldPoll`` passes (room freed by another worker, a rate's next start, a breaker's
    /// probe). Only a quick round takes ahead: a slow one takes no more than its free slots.
    private func takeHeldThenPending(
        free: Int, limit: Int, quick: Bool, drained: inout Bool, ahead: inout TakenAhead
    ) async throws(RedisError) -> (batch: [WorkerQueue.Taken<ParsedEntry>], failure: RedisError?) {
        let holding = holdsBack
        let next = quick && !holding ? ConcurrencyLimiter.quickBatch : 0
        if !ahead.isEmpty {
            let more = ahead.drained ? 0 : next
            let round = try await takePending(limit: limit, block: .zero, waitFirst: false, ahead: ahead, next: more)
            drained = more > 0 ? round.ahead.drained : ahead.drained
            ahead = accept(round)
            return (round.taken, round.failure)
        }
        let heldBack = holding ? try await takeHeld(limit: free) : []
        if heldBack.count >= limit {
            held.add(heldBack.map(\.stored))
            return (heldBack, nil)
        }
        let round = try await takePending(
            limit: limit - heldBack.count, block: holding ? .zero : configuration.blockTime, waitFirst: drained && !holding, ahead: .none,
            next: next)
        let batch = heldBack + round.taken
        held.add(batch.map(\.stored))
        ahead = accept(round)
        drained = batch.count < limit
        if holding && batch.isEmpty { await roomFreed.withLockedValue { $0 }.sleep(for: Self.heldPoll) }
        return (batch, round.failure)
    }

    private func takePending(
        limit: Int, block: Duration, waitFirst: Bool, ahead: TakenAhead, next: Int
    ) async throws(RedisError) -> WorkerQueue.Round<ParsedEntry> {
        try await queue.takeRound(
            ahead: ahead, next: next, limit: limit, block: block, waitFirst: waitFirst, order: configuration.orderKey,
            lease: configuration.leaseTTL, token: leaseToken, parse: parseEntry, admit: admission)
    }

    /// The events a round took ahead, held from now. (After a failed round trip, the fetch
    /// loop finds what its take moved and puts it back before the next take.)
    private func accept(_ round: WorkerQueue.Round<ParsedEntry>) -> TakenAhead {
        held.add(round.ahead.entries)
        return round.ahead
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
            let judged = JudgedEvent(
                taken, handler == nil ? .unhandled : .complete, lease: taken.lease, startedAt: Date().timeIntervalSince1970)
            let span = attemptTracer?.start(id: identity.id, type: identity.type, attempt: judged.attempt, receipt: taken.receipt)
            // `builtin:ack` looks at nothing: spare it the copy of the body and the logger.
            if let handler, !(handler is AckHandler) {
                let event = WebhookEvent(
                    id: identity.id, type: identity.type, attempt: judged.attempt, body: Data(buffer: taken.parsed.entry.body))
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
