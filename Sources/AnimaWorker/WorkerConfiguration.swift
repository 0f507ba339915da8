public import AnimaQueue
public import AnimaRedis

/// Everything a worker process needs, with the contract's defaults.
public struct WorkerConfiguration: Sendable {
    /// Where Redis is (`REDIS_URL`).
    public var redis: RedisConfiguration
    /// Key prefix (`ANIMA_KEY_PREFIX`). Default `anima`.
    public var keyPrefix: String
    /// Handlers running at once in this process (`ANIMA_WORKER_CONCURRENCY`). Default 16.
    public var concurrency: Int
    /// Attempts before an event goes to the dead letters (`ANIMA_MAX_ATTEMPTS`). Default 20.
    public var maxAttempts: Int
    /// First retry delay, doubled per attempt (`ANIMA_RETRY_BASE_SECONDS`). Default 10 s.
    public var retryBase: Duration
    /// Longest retry delay (`ANIMA_RETRY_MAX_SECONDS`). Default 21600 s (6 h).
    public var retryMax: Duration
    /// How long one attempt may run (`ANIMA_HANDLER_TIMEOUT_SECONDS`). Default 30 s.
    public var handlerTimeout: Duration
    /// Longest time before the events of a killed worker go to a live one
    /// (`ANIMA_RECOVERY_SECONDS`). Default 60 s. Heartbeats and leases live half of it.
    public var recovery: Duration
    /// How long running handlers may finish after SIGTERM (`ANIMA_SHUTDOWN_GRACE_SECONDS`). Default 30 s.
    public var shutdownGrace: Duration
    /// Port for `/metrics` and `/healthz` (`ANIMA_METRICS_PORT`); nil: off.
    public var metricsPort: Int?
    /// Address for the metrics port (`ANIMA_METRICS_HOST`). Default 127.0.0.1.
    public var metricsHost: String
    /// How long a duplicate waits while the original is still running. Default 1 s.
    public var deferDelay: Duration
    /// How long one blocking take waits before the loop checks for shutdown. Default 1 s.
    public var blockTime: Duration
    /// This process's id in Redis; default `<host>-<pid>-<random>`.
    public var workerID: String
    /// How many outcomes the history keeps (`ANIMA_HISTORY_MAX`). Default 100000; 0 records none.
    public var historyMax: Int
    /// Orders events by the value at this path of their JSON (`ANIMA_ORDER_KEY`); nil: no
    /// ordering. Every worker on one Redis must use the same path.
    public var orderKey: OrderKeyPath?

    public init(
        redis: RedisConfiguration = RedisConfiguration(),
        keyPrefix: String = "anima",
        concurrency: Int = 16,
        maxAttempts: Int = 20,
        retryBase: Duration = .seconds(10),
        retryMax: Duration = .seconds(21_600),
        handlerTimeout: Duration = .seconds(30),
        recovery: Duration = .seconds(60),
        shutdownGrace: Duration = .seconds(30),
        metricsPort: Int? = nil,
        metricsHost: String = "127.0.0.1",
        deferDelay: Duration = .seconds(1),
        blockTime: Duration = .seconds(1),
        workerID: String = WorkerConfiguration.makeWorkerID(),
        historyMax: Int = 100_000,
        orderKey: OrderKeyPath? = nil
    ) {
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.concurrency = concurrency
        self.maxAttempts = maxAttempts
        self.retryBase = retryBase
        self.retryMax = retryMax
        self.handlerTimeout = handlerTimeout
        self.recovery = recovery
        self.shutdownGrace = shutdownGrace
        self.metricsPort = metricsPort
        self.metricsHost = metricsHost
        self.deferDelay = deferDelay
        self.blockTime = blockTime
        self.workerID = workerID
        self.historyMax = historyMax
        self.orderKey = orderKey
    }

    /// Heartbeats and leases expire after half the recovery time.
    var leaseTTL: Duration { max(recovery / 2, .milliseconds(200)) }
    /// Heartbeat, lease renewal, retry promotion and recovery run this often.
    var tick: Duration { min(max(recovery / 8, .milliseconds(50)), .milliseconds(500)) }

    public static func makeWorkerID() -> String {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, 255) == 0 ? String(decoding: name.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self) : "host"
        let suffix = String(UInt32.random(in: 0...UInt32.max) & 0xffffff, radix: 16)
        return "\(host)-\(getpid())-\(suffix)"
    }
}

#if canImport(Glibc)
import Glibc
#endif
