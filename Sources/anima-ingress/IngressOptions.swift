import AnimaCLI
import AnimaIngress
import ArgumentParser

/// `anima-ingress`'s own flags. Every flag has an environment variable; the flag wins.
struct IngressOptions: ParsableArguments, Sendable {
    /// The defaults the help states: ``IngressConfiguration``'s, the one place they are set.
    static let defaults = IngressConfiguration(secrets: [])
    @OptionGroup var redis: RedisOptions
    @OptionGroup var log: LogOptions

    @Option(
        name: [.customLong("ingress-host"), .customLong("host")],
        help: "Address to listen on (env ANIMA_INGRESS_HOST; default \(Self.defaults.host))."
    )
    var host: String?
    @Option(name: .customLong("port"), help: "Port to listen on (env PORT; default \(Self.defaults.port); 0 picks one).")
    var port: String?
    @Option(
        name: .customLong("webhook-secret"),
        help: "Accepted secrets, separated by spaces (env ANIMA_WEBHOOK_SECRET; required). Prefer the variable: flags show in ps."
    )
    var webhookSecret: String?
    @Option(
        name: .customLong("tolerance-seconds"),
        help:
            "Largest accepted clock difference of x-anima-timestamp, past or future (env ANIMA_TOLERANCE_SECONDS; default \(SettingText.seconds(Self.defaults.tolerance)))."
    )
    var toleranceSeconds: String?
    @Option(
        name: .customLong("max-body-bytes"),
        help: "Largest accepted body; larger gets 413 (env ANIMA_MAX_BODY_BYTES; default \(Self.defaults.maxBodyBytes))."
    )
    var maxBodyBytes: String?
    @Option(
        name: .customLong("max-pending"),
        help: "Answer 503 while this many events wait (env ANIMA_MAX_PENDING; default \(Self.defaults.maxPending); 0: no limit)."
    )
    var maxPending: String?
    @Option(
        name: .customLong("push-timeout-seconds"),
        help:
            "Longest wait for Redis before answering 503 (env ANIMA_PUSH_TIMEOUT_SECONDS; default \(SettingText.seconds(Self.defaults.pushTimeout)))."
    )
    var pushTimeoutSeconds: String?
    @Option(
        name: .customLong("min-replicas"),
        help:
            "Answer 200 only once this many replicas hold the event (Redis WAIT); else 503 (env ANIMA_MIN_REPLICAS; default \(Self.defaults.minReplicas))."
    )
    var minReplicas: String?

    init() {}
}
