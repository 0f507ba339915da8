import AnimaQueue
import AnimaRedis
import AnimaWebhooks
import Foundation
public import Logging
import NIOConcurrencyHelpers
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
    let handlers: HandlerRegistry
    let logger: Logger
    let queue: WorkerQueue
    let operations: RedisClient
    let fetcher: RedisClient
    let retryPolicy: RetryPolicy
    let limiter: ConcurrencyLimiter
    let running = RunningHandlers()
    let leases = LeaseBook()
    let held = HeldEntries()
    /// Fired by SIGTERM/SIGINT: take nothing new.
    let stopping = StopSignal()
    /// Fired once draining is over: background loops end.
    let finished = StopSignal()
    /// Fired when draining took too long: queue writes stop retrying.
    let abandon = StopSignal()
    let outage = NIOLockedValueBox<Bool>(false)
    /// Whether the last batch's history recording failed (see ``historyReply(_:)``).
    let historyFailing = NIOLockedValueBox<Bool>(false)
    /// Set by every Redis failure: a take whose reply was lost, or a failover to a replica that
    /// missed our latest writes, may have left entries in our processing list that we do not
    /// hold. The fetch loop then returns them before its next take.
    let mayHoldUnseen = NIOLockedValueBox<Bool>(false)
    /// The paused event types, as last read from Redis (every tick).
    let pausedTypes = NIOLockedValueBox<Set<String>>([])
    /// The flow-controlled types, as last read from Redis (every tick).
    let flowView = NIOLockedValueBox<FlowView>(FlowView())
    /// Fired (and replaced) when a settle here frees room under a limit or breaker: the fetch
    /// loop, waiting to take held events back, goes on at once.
    let roomFreed = NIOLockedValueBox(StopSignal())
    let tokenCounter = Atomic<UInt64>(0)
    /// Spans of attempts, when the process bootstrapped a tracer.
    let attemptTracer = AttemptTracer.bootstrapped()
    /// No recovery of other workers before this instant: a heartbeat TTL after start and after
    /// every Redis failure, so that live workers have re-registered by then.
    let recoveryAllowedAfter: NIOLockedValueBox<ContinuousClock.Instant>

    /// - Parameter metrics: the worker's metrics, for a caller that counts more in them.
    public init(configuration: WorkerConfiguration, handlers: HandlerRegistry, metrics: WorkerMetrics = WorkerMetrics(), logger: Logger) {
        self.configuration = configuration
        self.handlers = handlers
        var logger = logger
        logger[metadataKey: "anima.worker"] = "\(configuration.workerID)"
        self.logger = logger
        self.metrics = metrics
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

    /// After the grace period, how long interrupted handlers' events may take to reach Redis
    /// (put back) before the worker gives up on them and leaves them to recovery by another
    /// worker (Redis is unreachable, say).
    static let settleAfterInterruptTimeout = Duration.seconds(10)

    public func run() async throws {
        logger.info(
            "worker starting",
            metadata: [
                "anima.redis": "\(configuration.redis)", "anima.concurrency": "\(configuration.concurrency)",
                "anima.handlers": "\(handlers.types.joined(separator: ","))",
            ]
        )
        var refusal: WorkerStartError?
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                if let port = configuration.metricsPort {
                    let server = MetricsServer.build(host: configuration.metricsHost, port: port, metrics: metrics, logger: logger)
                    group.addTask {
                        do { try await server.run() } catch { self.logger.error("metrics server stopped: \(error)") }
                    }
                }
                switch await persist("register", until: stopping, { () throws(RedisError) in try await self.register() }) {
                case .registered:
                    group.addTask { await self.maintain() }
                    await fetchLoop(&group)
                case .refused(let other, let theirs):
                    refusal = WorkerStartError.orderKeyDiffers(ours: configuration.orderKey?.description, theirs: theirs, worker: other)
                    logger.error("\(refusal!)")
                case nil:
                    break
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
        if let refusal { throw refusal }
        logger.info("worker stopped")
    }
}
