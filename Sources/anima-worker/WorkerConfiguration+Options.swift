import AnimaCLI
import AnimaQueue
import AnimaWorker

extension WorkerConfiguration {
    /// Builds the configuration from flags and environment, validating every value.
    init(options: WorkerOptions, settings: SettingsReader) throws(ConfigurationError) {
        let defaults = WorkerOptions.defaults
        let (redis, prefix) = try options.redis.resolve(settings)
        let metricsPort: Int? =
            settings.text(options.metricsPort, "ANIMA_METRICS_PORT") == nil
            ? defaults.metricsPort
            : try settings.integer(options.metricsPort, "ANIMA_METRICS_PORT", default: defaults.metricsPort ?? 0, range: 0...65535)
        let retryBase = try settings.seconds(
            options.retryBaseSeconds,
            "ANIMA_RETRY_BASE_SECONDS",
            default: defaults.retryBase,
            minimum: 0.001
        )
        let retryMax = try settings.seconds(options.retryMaxSeconds, "ANIMA_RETRY_MAX_SECONDS", default: defaults.retryMax, minimum: 0.001)
        guard retryMax >= retryBase else {
            throw ConfigurationError(
                "--retry-max-seconds (ANIMA_RETRY_MAX_SECONDS) must not be below --retry-base-seconds (ANIMA_RETRY_BASE_SECONDS)"
            )
        }
        let workerID = settings.string(options.workerID, "ANIMA_WORKER_ID", default: WorkerConfiguration.makeWorkerID())
        guard !workerID.isEmpty, !workerID.contains(where: { $0.isWhitespace || $0 == ":" }) else {
            throw ConfigurationError("--worker-id (ANIMA_WORKER_ID) must be non-empty, without spaces or ':', got '\(workerID)'")
        }
        var orderKey: OrderKeyPath?
        if let path = settings.text(options.orderKey, "ANIMA_ORDER_KEY"), !path.isEmpty {
            guard let parsed = OrderKeyPath(path) else {
                throw ConfigurationError(
                    "--order-key (ANIMA_ORDER_KEY) must be a dotted path such as data.id, without empty parts, got '\(path)'")
            }
            orderKey = parsed
        }
        self.init(
            redis: redis,
            keyPrefix: prefix,
            concurrency: try settings.integer(
                options.concurrency,
                "ANIMA_WORKER_CONCURRENCY",
                default: defaults.concurrency,
                range: 1...10_000
            ),
            maxAttempts: try settings.integer(options.maxAttempts, "ANIMA_MAX_ATTEMPTS", default: defaults.maxAttempts, range: 1...1_000),
            retryBase: retryBase,
            retryMax: retryMax,
            handlerTimeout: try settings.seconds(
                options.handlerTimeoutSeconds,
                "ANIMA_HANDLER_TIMEOUT_SECONDS",
                default: defaults.handlerTimeout,
                minimum: 0.001
            ),
            recovery: try settings.seconds(options.recoverySeconds, "ANIMA_RECOVERY_SECONDS", default: defaults.recovery, minimum: 0.5),
            shutdownGrace: try settings.seconds(
                options.shutdownGraceSeconds,
                "ANIMA_SHUTDOWN_GRACE_SECONDS",
                default: defaults.shutdownGrace
            ),
            metricsPort: metricsPort,
            metricsHost: settings.string(options.metricsHost, "ANIMA_METRICS_HOST", default: defaults.metricsHost),
            workerID: workerID,
            historyMax: try settings.integer(options.historyMax, "ANIMA_HISTORY_MAX", default: defaults.historyMax, range: 0...100_000_000),
            orderKey: orderKey
        )
    }
}
