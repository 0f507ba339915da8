public import AnimaRedis

/// Everything `anima-ingress` needs, with the contract's defaults.
public struct IngressConfiguration: Sendable {
    /// Listen address (`ANIMA_INGRESS_HOST`). Default `127.0.0.1`: put a reverse proxy in front,
    /// or set `0.0.0.0` to listen on every interface.
    public var host: String
    /// Listen port (`PORT`). Default 3000; 0 picks a free port (printed at start).
    public var port: Int
    /// Where Redis is (`REDIS_URL`).
    public var redis: RedisConfiguration
    /// Key prefix (`ANIMA_KEY_PREFIX`). Default `anima`.
    public var keyPrefix: String
    /// Accepted webhook secrets (`ANIMA_WEBHOOK_SECRET`, whitespace-separated). Required.
    public var secrets: [String]
    /// Accepted clock difference (`ANIMA_TOLERANCE_SECONDS`). Default 300 s.
    public var tolerance: Duration
    /// Largest accepted body (`ANIMA_MAX_BODY_BYTES`). Default 1 MiB.
    public var maxBodyBytes: Int
    /// Answer 503 while this many events wait (`ANIMA_MAX_PENDING`). Default 0: no limit.
    public var maxPending: Int
    /// How long a request may wait for Redis before it gets 503 (`ANIMA_PUSH_TIMEOUT_SECONDS`).
    /// Default 2 s.
    public var pushTimeout: Duration
    /// The `Retry-After` seconds sent with a 503. Default 5.
    public var retryAfterSeconds: Int
    /// Answer 200 only once Redis `WAIT` confirms that this many replicas hold the event
    /// (`ANIMA_MIN_REPLICAS`). Default 0: the master's acknowledgement is enough.
    public var minReplicas: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 3000,
        redis: RedisConfiguration = RedisConfiguration(),
        keyPrefix: String = "anima",
        secrets: [String],
        tolerance: Duration = .seconds(300),
        maxBodyBytes: Int = 1_048_576,
        maxPending: Int = 0,
        pushTimeout: Duration = .seconds(2),
        retryAfterSeconds: Int = 5,
        minReplicas: Int = 0
    ) {
        self.host = host
        self.port = port
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.secrets = secrets
        self.tolerance = tolerance
        self.maxBodyBytes = maxBodyBytes
        self.maxPending = maxPending
        self.pushTimeout = pushTimeout
        self.retryAfterSeconds = retryAfterSeconds
        self.minReplicas = minReplicas
    }
}
