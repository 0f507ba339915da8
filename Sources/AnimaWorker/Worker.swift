import AnimaQueue
import AnimaRedis
import AnimaWebhooks
import CoreMetrics
import Foundation
public import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
public import ServiceLifecycle
import Synchronization
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// The worker runtime: takes events reliably, claims each id, runs its handler, retries with
/// backoff, dead-letters what keeps failing, returns the events of dead workers, and stops
/// gracefully. Run it as a `Service` (in a `ServiceGroup` that handles SIGTERM/SIGINT), or with
/// ``runUntilSignalled()``.
///
/// Use it from your own executable with handlers written in Swift:
///
///     var handlers = HandlerRegistry()
///     handlers.on("resource.created") { event, context in
///         let payload = try event.decode(MyPayload.self)
///         try await save(payload)
///     }
///     let worker = Worker(configuration: WorkerConfiguration(), handlers: handlers, logger: logger)
///     try await worker.runUntilSignalled()
public final class Worker: Service, Sendable {
    public let configuration: WorkerConfiguration
    public let metrics: WorkerMetrics
    private let handlers: HandlerRegistry
    private let logger: Logger
    private let queue: WorkerQueue
    private let operations: RedisClient
    private let fetcher: RedisClient
    private let retryPolicy: RetryPolicy
    private let limiter: ConcurrencyLimiter
    private let running = RunningHandlers()
    private let leases = LeaseBook()
    private let held = HeldEntries()
    /// Fired by SIGTERM/SIGINT: take nothing new.
    private let stopping = StopSignal()
    /// Fired once draining is over: background loops end.
    private let finished = StopSignal()
    /// Fired when draining took too long: queue writes stop retrying.
    private let abandon = StopSignal()
    private let outage = NIOLockedValueBox<Bool>(false)
    /// Set by every Redis failure: a take whose reply was lost, or a failover to a replica that
    /// missed our latest writes, may have left entries in our processing list that we do not
    /// hold. The fetch loop then returns them before its next take.
    private let mayHoldUnseen = NIOLockedValueBox<Bool>(false)
    private let tokenCounter = Atomic<UInt64>(0)
    /// No recovery of other workers before this instant: a heartbeat TTL after start and after
    /// every Redis failure, so that live workers have re-registered by then.
    private let recoveryAllowedAfter: NIOLockedValueBox<ContinuousClock.Instant>

    public init(configuration: WorkerConfiguration, handlers: HandlerRegistry, logger: Logger) {
        self.configuration = configuration
        self.handlers = handlers
        var logger = logger
        logger[metadataKey: "anima.worker"] = "\(configuration.workerID)"
        self.logger = logger
        self.metrics = WorkerMetrics()
        self.operations = RedisClient(configuration: configuration.redis)
        var fetchRedis = configuration.redis
        fetchRedis.commandTimeout = max(fetchRedis.commandTimeout, .seconds(1))
        self.fetcher = RedisClient(configuration: fetchRedis)
        self.queue = WorkerQueue(
            keys: QueueKeys(prefix: configuration.keyPrefix),
            workerID: configuration.workerID,
            operations: operations,
            fetcher: fetcher
        )
        self.retryPolicy = RetryPolicy(base: configuration.retryBase, max: configuration.retryMax)
        self.limiter = ConcurrencyLimiter(capacity: configuration.concurrency)
        self.recoveryAllowedAfter = NIOLockedValueBox(.now + configuration.leaseTTL + configuration.tick)
    }

    /// Runs until SIGTERM or SIGINT, then stops gracefully.
    public func runUntilSignalled() async throws {
        let group = ServiceGroup(
            configuration: .init(services: [self], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }

    public func run() async throws {
        signal(SIGPIPE, SIG_IGN)  // a command that exits without reading stdin must not kill us
        logger.info(
            "worker starting",
            metadata: [
                "anima.redis": "\(configuration.redis)", "anima.concurrency": "\(configuration.concurrency)",
                "anima.handlers": "\(handlers.types.joined(separator: ","))",
            ]
        )
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                if let port = configuration.metricsPort {
                    let server = MetricsServer.build(host: configuration.metricsHost, port: port, metrics: metrics, logger: logger)
                    group.addTask {
                        do { try await server.run() } catch { self.logger.error("metrics server stopped: \(error)") }
                    }
                }
                if await persist("register", until: stopping, { () throws(RedisError) in try await self.heartbeat() }) != nil {
                    group.addTask { await self.maintain() }
                    await fetchLoop(&group)
                }
                await drain()
                finished.fire()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.logger.info("stopping: taking no new events")
            self.stopping.fire()
            self.limiter.close()
        }
        do {
            let returned = try await queue.deregister()
            if returned > 0 { logger.warning("returned \(returned) unfinished events to the queue") }
        } catch {
            logger.error(
                "could not deregister (\(error)); other workers recover our events after \(configuration.leaseTTL.formattedSeconds)"
            )
        }
        await operations.shutdown()
        await fetcher.shutdown()
        logger.info("worker stopped")
    }

    // MARK: Taking events

    private func fetchLoop(_ group: inout DiscardingTaskGroup) async {
        var delay = Duration.milliseconds(50)
        let maxAttempts = configuration.maxAttempts
        let tokenPrefix = "lease:\(configuration.workerID):"
        while !stopping.isFired {
            let free = await limiter.waitForFree()
            if free == 0 || stopping.isFired { break }
            do {
                if mayHoldUnseen.withLockedValue({ $0 }) {
                    mayHoldUnseen.withLockedValue { $0 = false }
                    let returned = try await queue.returnUnheld(held.snapshot)
                    if returned > 0 {
                        logger.warning(
                            "returned \(returned) events to the queue that sat in this worker's processing list unheld (a lost take reply, or a Redis failover)"
                        )
                    }
                }
                let batch = try await queue.takeAndClaim(
                    limit: free,
                    block: configuration.blockTime,
                    lease: configuration.leaseTTL,
                    token: { tokenPrefix + String(self.tokenCounter.add(1, ordering: .relaxed).newValue) },
                    parse: { stored in
                        let parsed = ParsedEntry(stored)
                        guard case .success(let identity) = parsed.identity, parsed.entry.attempts < maxAttempts else {
                            return (parsed, nil)
                        }
                        return (parsed, identity.id)
                    }
                )
                recovered()
                delay = .milliseconds(50)
                if stopping.isFired {
                    for taken in batch {
                        _ = await persist("put back") { () throws(RedisError) in
                            try await self.queue.putBack(entry: taken.stored, eventID: taken.parsed.eventID, token: taken.token)
                        }
                    }
                    break
                }
                held.add(batch.map(\.stored))
                limiter.acquire(batch.count)
                metrics.inFlight.record(limiter.inUse)
                // Events whose handling needs no task of its own (duplicates, builtin handlers,
                // unhandled types) are handled right here and settled together in one round trip.
                var quick: [QuickOutcome] = []
                var quickEntries: [ByteBuffer] = []
                for taken in batch {
                    if let outcome = quickOutcome(taken) {
                        quick.append(outcome)
                        quickEntries.append(taken.stored)
                    } else {
                        group.addTask {
                            await self.process(taken)
                            self.release([taken.stored])
                        }
                    }
                }
                if !quick.isEmpty {
                    group.addTask { [quickEntries] in
                        await self.settle(quick)
                        self.release(quickEntries)
                    }
                }
            } catch {
                failed("take events", error)
                await stopping.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// The entries are settled (or given up): their slots are free again.
    private func release(_ entries: [ByteBuffer]) {
        held.remove(entries)
        for _ in entries { limiter.release() }
        metrics.inFlight.record(limiter.inUse)
    }

    /// An event handled without a task of its own, waiting to be settled with the others of its batch.
    private struct QuickOutcome: Sendable {
        let settlement: WorkerQueue.Settlement
        let result: Result
        let event: WebhookEvent?
        let entryAttempts: Int

        enum Result { case handled, duplicate, unhandled }
    }

    /// Runs an inline handler (or recognises a duplicate or an unhandled type) at once;
    /// nil when the event needs the full path.
    private func quickOutcome(_ taken: WorkerQueue.Taken<ParsedEntry>) -> QuickOutcome? {
        guard case .success(let identity) = taken.parsed.identity, let claim = taken.claim else { return nil }
        let entry = taken.parsed.entry
        switch claim {
        case .alreadyDone:
            return QuickOutcome(
                settlement: .acknowledge(entry: taken.stored),
                result: .duplicate,
                event: nil,
                entryAttempts: entry.attempts
            )
        case .heldElsewhere:
            return nil
        case .claimed:
            guard let token = taken.token else { return nil }
            let handler = handlers.handler(for: identity.type)
            if let handler, !handler.runsInline { return nil }
            let attempt = entry.attempts + 1
            // `builtin:ack` looks at nothing: spare it the copy of the body and the logger.
            if let handler, !(handler is AckHandler) {
                let event = WebhookEvent(id: identity.id, type: identity.type, attempt: attempt, body: Data(buffer: entry.body))
                handler.handleInline(event, context: HandlerContext(logger: eventLogger(event), timeout: configuration.handlerTimeout))
            }
            return QuickOutcome(
                settlement: .complete(entry: taken.stored, eventID: identity.id, token: token),
                result: handler == nil ? .unhandled : .handled,
                event: WebhookEvent(id: identity.id, type: identity.type, attempt: attempt, body: Data()),
                entryAttempts: entry.attempts
            )
        }
    }

    private func settle(_ outcomes: [QuickOutcome]) async {
        guard await persist("settle", { () throws(RedisError) in try await self.queue.settle(outcomes.map(\.settlement)) }) != nil
        else { return }
        for outcome in outcomes {
            switch outcome.result {
            case .handled:
                metrics.processed.increment()
                if logger.logLevel <= .info, let event = outcome.event {
                    eventLogger(event).info("handled", metadata: ["anima.result": "ok", "anima.duration_ms": "0"])
                }
            case .duplicate:
                metrics.duplicates.increment()
                logger.info("duplicate of a handled event skipped", metadata: ["anima.result": "duplicate"])
            case .unhandled:
                metrics.unhandled.increment()
                if let event = outcome.event {
                    eventLogger(event).notice("no handler for this type: acknowledged", metadata: ["anima.result": "unhandled"])
                }
            }
        }
    }

    private func eventLogger(_ event: WebhookEvent) -> Logger {
        var logger = self.logger
        logger[metadataKey: "anima.event.id"] = "\(event.id)"
        logger[metadataKey: "anima.event.type"] = "\(event.type)"
        logger[metadataKey: "anima.event.attempt"] = "\(event.attempt)"
        return logger
    }

    /// Lets running handlers finish within the grace period, then interrupts the rest.
    private func drain() async {
        let start = stopping.firedAt ?? .now
        let graceEnd = start + configuration.shutdownGrace
        if limiter.inUse > 0 {
            logger.info("waiting up to \(configuration.shutdownGrace.formattedSeconds) for \(limiter.inUse) running handlers")
        }
        while limiter.inUse > 0, ContinuousClock.now < graceEnd {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let interrupted = running.interruptAll()
        if interrupted > 0 {
            logger.warning("shutdown grace over: interrupting \(interrupted) handlers; their events go back to the queue")
        }
        let hardEnd = ContinuousClock.now + .seconds(10)
        while limiter.inUse > 0, ContinuousClock.now < hardEnd {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if limiter.inUse > 0 {
            abandon.fire()
            logger.error(
                "\(limiter.inUse) events could not be settled in Redis; they stay in this worker's processing list and are recovered by another worker"
            )
        }
    }

    // MARK: One event

    private func process(_ taken: WorkerQueue.Taken<ParsedEntry>) async {
        let stored = taken.stored
        let entry = taken.parsed.entry
        let body = Data(buffer: entry.body)
        let identity: (id: String, type: String)
        switch taken.parsed.identity {
        case .failure(let malformed):
            let letter = DeadLetter(
                id: malformed.id,
                type: malformed.type,
                body: body,
                error: malformed.description,
                attempts: 0,
                worker: configuration.workerID
            )
            if await persist(
                "dead-letter",
                { () throws(RedisError) in
                    try await self.queue.deadLetter(entry: stored, eventID: nil, token: nil, letter: ByteBuffer(data: letter.encoded()))
                }
            ) != nil {
                metrics.deadLettered.increment()
                logger.error("event dead-lettered: \(malformed)", metadata: ["anima.dead_id": "\(letter.deadID)", "anima.result": "dead"])
            }
            return
        case .success(let found):
            identity = found
        }
        let attempt = entry.attempts + 1
        let logger = eventLogger(WebhookEvent(id: identity.id, type: identity.type, attempt: attempt, body: Data()))

        if entry.attempts >= configuration.maxAttempts {
            // Only a recovery can bring an event here: its last attempt died with its worker.
            await deadLetter(
                stored: stored,
                identity: identity,
                token: nil,
                body: body,
                attempts: entry.attempts,
                error: "attempt \(entry.attempts) did not finish: its worker stopped (killed or crashed) and the event was recovered",
                logger: logger
            )
            return
        }

        var token = taken.token ?? ""
        var claim = taken.claim
        if claim == nil {
            token = "lease:\(configuration.workerID):r\(tokenCounter.add(1, ordering: .relaxed).newValue)"
            claim = await persist(
                "claim",
                { () throws(RedisError) in
                    try await self.queue.claim(eventID: identity.id, token: token, lease: self.configuration.leaseTTL)
                }
            )
        }
        guard let claim else { return }

        switch claim {
        case .alreadyDone:
            if await persist("acknowledge duplicate", { () throws(RedisError) in try await self.queue.acknowledge(entry: stored) }) != nil {
                metrics.duplicates.increment()
                logger.info("duplicate of a handled event skipped", metadata: ["anima.result": "duplicate"])
            }
        case .heldElsewhere:
            let delay = configuration.deferDelay
            if await persist(
                "defer duplicate",
                { () throws(RedisError) in
                    try await self.queue.retry(
                        entry: stored,
                        eventID: identity.id,
                        token: "",
                        body: entry.body,
                        attempts: entry.attempts,
                        delay: delay
                    )
                }
            ) != nil {
                metrics.deferred.increment()
                logger.info("deferred: the same event is running elsewhere", metadata: ["anima.result": "deferred"])
            }
        case .claimed:
            leases.add(eventID: identity.id, token: token, entry: stored)
            defer { leases.remove(eventID: identity.id) }
            let token = token
            guard let handler = handlers.handler(for: identity.type) else {
                if await persist(
                    "complete",
                    { () throws(RedisError) in
                        try await self.queue.complete(entry: stored, eventID: identity.id, token: token)
                    }
                ) != nil {
                    metrics.unhandled.increment()
                    logger.notice("no handler for this type: acknowledged", metadata: ["anima.result": "unhandled"])
                }
                return
            }
            let started = ContinuousClock.now
            let event = WebhookEvent(id: identity.id, type: identity.type, attempt: attempt, body: body)
            let outcome = await running.run(
                handler,
                event: event,
                context: HandlerContext(logger: logger, timeout: configuration.handlerTimeout)
            )
            // Renewals stop before the outcome is settled: a renewal after it would find the
            // lease gone and warn of a loss that is none.
            leases.remove(eventID: identity.id)
            let elapsed = ContinuousClock.now - started
            metrics.handlerDuration.recordNanoseconds(elapsed.wholeNanoseconds)
            let duration: Logger.Metadata.Value = "\(elapsed.wholeNanoseconds / 1_000_000)"
            switch outcome {
            case .success:
                var tries = 0
                guard
                    let completion = await persist(
                        "complete",
                        { () throws(RedisError) in
                            tries += 1
                            return try await self.queue.complete(entry: stored, eventID: identity.id, token: token)
                        }
                    )
                else { return }
                metrics.processed.increment()
                switch completion {
                case .recorded:
                    logger.info("handled", metadata: ["anima.result": "ok", "anima.duration_ms": duration])
                case .alreadyAcknowledged where tries > 1:
                    // Not a lease lost: our first try was done and only its answer lost.
                    logger.info(
                        "handled (recorded by an earlier try whose answer Redis lost)",
                        metadata: ["anima.result": "ok", "anima.duration_ms": duration]
                    )
                case .alreadyAcknowledged, .ownedElsewhere:
                    logger.warning(
                        "handled, but the lease was lost meanwhile and another worker owns the event now; its result stands",
                        metadata: ["anima.result": "ok-lease-lost", "anima.duration_ms": duration]
                    )
                }
            case .failure(let message, let retryAfter):
                metrics.failed.increment()
                if attempt >= configuration.maxAttempts {
                    await deadLetter(
                        stored: stored,
                        identity: identity,
                        token: token,
                        body: body,
                        attempts: attempt,
                        error: message,
                        logger: logger
                    )
                    return
                }
                let delay = retryPolicy.delay(afterAttempt: attempt, atLeast: retryAfter)
                if await persist(
                    "schedule retry",
                    { () throws(RedisError) in
                        try await self.queue.retry(
                            entry: stored,
                            eventID: identity.id,
                            token: token,
                            body: entry.body,
                            attempts: attempt,
                            delay: delay
                        )
                    }
                ) != nil {
                    metrics.retried.increment()
                    logger.warning(
                        "failed: \(message); retry in \(delay.formattedSeconds)",
                        metadata: ["anima.result": "retry", "anima.duration_ms": duration]
                    )
                }
            case .interrupted:
                if await persist(
                    "put back",
                    { () throws(RedisError) in
                        try await self.queue.putBack(entry: stored, eventID: identity.id, token: token)
                    }
                ) != nil {
                    logger.notice("interrupted by shutdown: put back on the queue", metadata: ["anima.result": "interrupted"])
                }
            }
        }
    }

    private func deadLetter(
        stored: ByteBuffer,
        identity: (id: String, type: String),
        token: String?,
        body: Data,
        attempts: Int,
        error: String,
        logger: Logger
    ) async {
        let letter = DeadLetter(
            id: identity.id,
            type: identity.type,
            body: body,
            error: error,
            attempts: attempts,
            worker: configuration.workerID
        )
        if await persist(
            "dead-letter",
            { () throws(RedisError) in
                try await self.queue.deadLetter(
                    entry: stored,
                    eventID: identity.id,
                    token: token,
                    letter: ByteBuffer(data: letter.encoded())
                )
            }
        ) != nil {
            metrics.deadLettered.increment()
            logger.error(
                "dead-lettered after \(attempts) attempts: \(error)",
                metadata: ["anima.result": "dead", "anima.dead_id": "\(letter.deadID)"]
            )
        }
    }

    // MARK: Background upkeep

    private func heartbeat() async throws(RedisError) {
        let beat = Int64(Date().timeIntervalSince1970 * 1000)
        let info = #"{"pid":\#(getpid()),"concurrency":\#(configuration.concurrency),"started":"\#(Self.processStart)","beat":\#(beat)}"#
        try await queue.heartbeat(info: info, ttl: configuration.leaseTTL)
    }

    private static let processStart = Date().formatted(.iso8601)

    /// Heartbeat, lease renewal, promotion of due retries and recovery, every tick.
    private func maintain() async {
        while !finished.isFired {
            do {
                try await heartbeat()
                let current = leases.all
                if !current.isEmpty {
                    let ttl = configuration.leaseTTL
                    await withTaskGroup(of: Void.self) { group in
                        for lease in current {
                            group.addTask { await self.renew(lease, for: ttl) }
                        }
                    }
                }
                if !stopping.isFired {
                    _ = try await queue.promoteDueRetries()
                }
                // After an outage, every live worker needs a tick to renew its expired heartbeat:
                // recovering before that would take the events of workers that are alive.
                if !stopping.isFired, ContinuousClock.now >= recoveryAllowedAfter.withLockedValue({ $0 }) {
                    let returned = try await queue.recoverDeadWorkers()
                    if returned > 0 {
                        metrics.recovered.increment(by: returned)
                        logger.warning("recovered \(returned) events of stopped workers")
                    }
                }
                recovered()
            } catch {
                failed("upkeep", error)
            }
            await finished.sleep(for: configuration.tick)
        }
    }

    private func renew(_ lease: LeaseBook.Lease, for ttl: Duration) async {
        let (eventID, token) = (lease.eventID, lease.token)
        let ours: Bool
        switch try? await queue.renew(eventID: eventID, token: token, lease: ttl) {
        case .extended?: ours = true
        case .expired?:
            // Expired during an outage or a stall, or the event was settled since the snapshot:
            // the retake tells them apart (it refuses once the entry left our list).
            ours = (try? await queue.retake(eventID: eventID, token: token, entry: lease.entry, lease: ttl)) ?? true
        case .lost?: ours = false
        case nil: ours = true  // Redis trouble: the next tick tries again
        }
        // An event settled since the snapshot no longer has our lease: not a loss.
        if !ours, leases.holds(eventID: eventID, token: token) {
            logger.warning("lease lost: another worker may run this event too", metadata: ["anima.event.id": "\(eventID)"])
        }
    }

    // MARK: Redis trouble

    /// Retries a queue write with backoff until it succeeds: the handler has run, so its
    /// result must reach Redis. Gives up (nil) only when `until` fires (by default: when
    /// shutdown had to abandon what is left).
    private func persist<T: Sendable>(
        _ what: String,
        until giveUp: StopSignal? = nil,
        _ operation: () async throws(RedisError) -> T
    ) async -> T? {
        let giveUp = giveUp ?? abandon
        var delay = Duration.milliseconds(50)
        while true {
            do {
                let value = try await operation()
                recovered()
                return value
            } catch {
                failed(what, error)
                if giveUp.isFired { return nil }
                await giveUp.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }

    private func failed(_ what: String, _ error: RedisError) {
        // Heartbeats may expire while Redis is away: give every live worker a heartbeat TTL
        // to register again before this one takes anybody's events.
        let wait = configuration.leaseTTL + configuration.tick
        recoveryAllowedAfter.withLockedValue { $0 = ContinuousClock.now + wait }
        mayHoldUnseen.withLockedValue { $0 = true }
        let first = outage.withLockedValue { outage -> Bool in
            defer { outage = true }
            return !outage
        }
        if first || !error.isConnectionProblem {
            logger.error("Redis: \(what) failed: \(error); retrying with backoff")
        }
    }

    private func recovered() {
        let was = outage.withLockedValue { outage -> Bool in
            defer { outage = false }
            return outage
        }
        if was { logger.notice("Redis is reachable again") }
    }
}
