import AnimaCLI
import AnimaWorker
import ArgumentParser

/// `anima-worker`'s own flags. Every flag has an environment variable; the flag wins.
struct WorkerOptions: ParsableArguments, Sendable {
    /// The defaults the help states: ``WorkerConfiguration``'s, the one place they are set.
    static let defaults = WorkerConfiguration(workerID: "-")
    @OptionGroup var redis: RedisOptions
    @OptionGroup var log: LogOptions

    @Option(
        name: .customLong("on"),
        help: ArgumentHelp(
            "TYPE=HANDLER, repeatable (env ANIMA_ON: one per line). TYPE may be * (every type without its own handler). HANDLER: builtin:ack, builtin:log, http(s)://URL, or a shell command.",
            valueName: "type=handler"
        )
    )
    var on: [String] = []
    @Option(name: .customLong("handlers"), help: "A JSON or YAML file mapping event types to handlers (env ANIMA_HANDLERS).")
    var handlersFile: String?
    @Option(
        name: .customLong("worker-concurrency"),
        help: "Handlers running at once (env ANIMA_WORKER_CONCURRENCY; default \(Self.defaults.concurrency))."
    )
    var concurrency: String?
    @Option(
        name: .customLong("max-attempts"),
        help: "Attempts before an event is dead-lettered (env ANIMA_MAX_ATTEMPTS; default \(Self.defaults.maxAttempts))."
    )
    var maxAttempts: String?
    @Option(
        name: .customLong("retry-base-seconds"),
        help:
            "First retry delay, doubled per attempt (env ANIMA_RETRY_BASE_SECONDS; default \(SettingText.seconds(Self.defaults.retryBase)))."
    )
    var retryBaseSeconds: String?
    @Option(
        name: .customLong("retry-max-seconds"),
        help: "Longest retry delay (env ANIMA_RETRY_MAX_SECONDS; default \(SettingText.seconds(Self.defaults.retryMax)))."
    )
    var retryMaxSeconds: String?
    @Option(
        name: .customLong("handler-timeout-seconds"),
        help:
            "Longest run of one attempt (env ANIMA_HANDLER_TIMEOUT_SECONDS; default \(SettingText.seconds(Self.defaults.handlerTimeout)))."
    )
    var handlerTimeoutSeconds: String?
    @Option(
        name: .customLong("recovery-seconds"),
        help:
            "Longest time before a killed worker's events go to a live one (env ANIMA_RECOVERY_SECONDS; default \(SettingText.seconds(Self.defaults.recovery)))."
    )
    var recoverySeconds: String?
    @Option(
        name: .customLong("shutdown-grace-seconds"),
        help:
            "How long running handlers may finish after SIGTERM (env ANIMA_SHUTDOWN_GRACE_SECONDS; default \(SettingText.seconds(Self.defaults.shutdownGrace)))."
    )
    var shutdownGraceSeconds: String?
    @Option(name: .customLong("metrics-port"), help: "Serve /metrics and /healthz on this port (env ANIMA_METRICS_PORT; default off).")
    var metricsPort: String?
    @Option(
        name: .customLong("metrics-host"),
        help: "Address of the metrics port (env ANIMA_METRICS_HOST; default \(Self.defaults.metricsHost))."
    )
    var metricsHost: String?
    @Option(
        name: .customLong("forward-secret"),
        help:
            "Sign forwarded requests (x-anima-timestamp, x-anima-signature) with this secret (env ANIMA_FORWARD_SECRET; default: unsigned)."
    )
    var forwardSecret: String?
    @Option(
        name: .customLong("worker-id"),
        help: "This process's id in Redis (env ANIMA_WORKER_ID; default HOST-PID-RANDOM). Must be unique among live workers."
    )
    var workerID: String?
    @Option(
        name: .customLong("history-max"),
        help: "Outcomes kept in the event history (env ANIMA_HISTORY_MAX; default \(Self.defaults.historyMax); 0 records none)."
    )
    var historyMax: String?
    @Option(
        name: .customLong("order-key"),
        help:
            "Handle events with the same value at this dotted path of their JSON (e.g. data.id) one at a time, in the order stored (env ANIMA_ORDER_KEY; default: no ordering)."
    )
    var orderKey: String?

    init() {}
}
