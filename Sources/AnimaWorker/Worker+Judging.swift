import AnimaQueue
import AnimaRedis
import AnimaWebhooks
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import Synchronization
import Tracing

/// The slow path: one event with a task of its own, from its parsed entry to its verdict.
extension Worker {
    /// The verdict on one taken event; nil when Redis could not be reached before shutdown gave
    /// up (the event stays in our processing list for recovery).
    func judge(_ taken: WorkerQueue.Taken<ParsedEntry>) async -> JudgedEvent? {
        if let parked = parkIfPaused(taken) { return parked }
        let parsed = taken.parsed
        let identity: (id: String, type: String)
        switch parsed.identity {
        case .failure(let malformed):
            let letter = deadLetter(parsed, id: malformed.id, type: malformed.type, error: malformed.description, attempts: 0)
            return JudgedEvent(taken, .deadLetter(letter))
        case .success(let found):
            identity = found
        }
        let attempts = parsed.entry.attempts
        if attempts >= configuration.maxAttempts {
            // Only a recovery can bring an event here: its last attempt died with its worker.
            let error = "attempt \(attempts) did not finish: its worker stopped (killed or crashed) and the event was recovered"
            let letter = deadLetter(parsed, id: identity.id, type: identity.type, error: error, attempts: attempts)
            return JudgedEvent(taken, .deadLetter(letter))
        }
        guard let (claim, lease, taken) = await claim(taken, id: identity.id) else { return nil }
        switch claim {
        case .alreadyDone:
            return JudgedEvent(taken, .acknowledgeDuplicate)
        case .heldElsewhere:
            return JudgedEvent(taken, .defer(after: configuration.deferDelay))
        case .heldBack(let reason):
            return JudgedEvent(taken, .holdBack(reason))
        case .claimed:
            return await run(taken, identity: identity, lease: lease)
        }
    }

    /// An event of a type that is paused waits, parked, without an attempt counted.
    func parkIfPaused(_ taken: WorkerQueue.Taken<ParsedEntry>) -> JudgedEvent? {
        guard case .success(let identity) = taken.parsed.identity,
            pausedTypes.withLockedValue({ !$0.isEmpty && $0.contains(identity.type) })
        else { return nil }
        return JudgedEvent(taken, .park(type: identity.type), lease: taken.lease)
    }

    /// The claim made with the take, or a claim made now (the take's got no answer), admitted
    /// under its type's limit and breaker as the take's would have been; `taken` with its
    /// admission.
    private func claim(
        _ taken: WorkerQueue.Taken<ParsedEntry>, id: String
    ) async -> (ClaimResult, EventLease, WorkerQueue.Taken<ParsedEntry>)? {
        if let claim = taken.claim, let lease = taken.lease { return (claim, lease, taken) }
        let lease = EventLease(eventID: id, token: "lease:\(configuration.workerID):r\(tokenCounter.add(1, ordering: .relaxed).newValue)")
        let ttl = configuration.leaseTTL
        // An event taken back from a held list has its slot already.
        let flow = taken.flow == nil ? admission(taken.parsed).map { (type: $0, entry: taken.stored) } : nil
        guard let claim = await persist("claim", { () throws(RedisError) in try await self.queue.claim(lease, for: ttl, admitting: flow) })
        else { return nil }
        var admitted = taken
        if claim == .claimed, let flow { admitted.flow = FlowTicket(type: flow.type, token: lease.token) }
        return (claim, lease, admitted)
    }

    /// Runs the event's handler under our lease, renewed meanwhile.
    private func run(_ taken: WorkerQueue.Taken<ParsedEntry>, identity: (id: String, type: String), lease: EventLease) async -> JudgedEvent
    {
        let parsed = taken.parsed
        guard let handler = handlers.handler(for: identity.type) else {
            return JudgedEvent(taken, .unhandled, lease: lease)
        }
        let attempt = parsed.entry.attempts + 1
        let event = WebhookEvent(id: identity.id, type: identity.type, attempt: attempt, body: Data(buffer: parsed.entry.body))
        let context = HandlerContext(
            logger: eventLogger(id: identity.id, type: identity.type, attempt: attempt), timeout: configuration.handlerTimeout)
        leases.add(eventID: lease.eventID, token: lease.token, entry: taken.stored, flow: taken.flow)
        let startedAt = Date().timeIntervalSince1970
        let started = ContinuousClock.now
        let span = attemptTracer?.start(id: identity.id, type: identity.type, attempt: attempt, receipt: taken.receipt)
        let outcome: HandlerOutcome
        if let span {
            // The handler's task inherits the span as its task-local context.
            outcome = await ServiceContext.withValue(span.context) { await running.run(handler, event: event, context: context) }
        } else {
            outcome = await running.run(handler, event: event, context: context)
        }
        let elapsed = ContinuousClock.now - started
        // Renewals stop before the outcome is settled: a renewal after it would find the
        // lease gone and warn of a loss that is none.
        leases.remove(eventID: lease.eventID)
        let verdict: Verdict
        switch outcome {
        case .success:
            verdict = .complete
        case .failure(let message, _) where attempt >= configuration.maxAttempts:
            verdict = .deadLetter(deadLetter(parsed, id: identity.id, type: identity.type, error: message, attempts: attempt))
        case .failure(let message, let retryAfter):
            verdict = .retry(after: retryPolicy.delay(afterAttempt: attempt, atLeast: retryAfter), reason: message)
        case .interrupted:
            verdict = .putBack
        }
        let judged = JudgedEvent(taken, verdict, lease: lease, handlerDuration: elapsed, startedAt: startedAt)
        if let span { attemptTracer?.end(span, judged.outcome) }
        return judged
    }

    private func deadLetter(_ parsed: ParsedEntry, id: String?, type: String?, error: String, attempts: Int) -> DeadLetter {
        DeadLetter(
            id: id, type: type, body: Data(buffer: parsed.entry.body), error: error, attempts: attempts, worker: configuration.workerID)
    }
}
