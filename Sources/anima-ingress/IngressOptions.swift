import AnimaCLI
import ArgumentParser

/// `anima-ingress`'s own flags. Every flag has an environment variable; the flag wins.
struct IngressOptions: ParsableArguments, Sendable {
    @OptionGroup var redis: RedisOptions
    @OptionGroup var log: LogOptions

    @Option(
        name: [.customLong("ingress-host"), .customLong("host")],
        help: "Address to listen on (env ANIMA_INGRESS_HOST; default 127.0.0.1)."
    )
    var host: String?
    @Option(name: .customLong("port"), help: "Port to listen on (env PORT; default 3000; 0 picks one).")
    var port: String?
    @Option(
        name: .customLong("webhook-secret"),
        help: "Accepted secrets, separated by spaces (env ANIMA_WEBHOOK_SECRET; required). Prefer the variable: flags show in ps."
    )
    var webhookSecret: String?
    @Option(
        name: .customLong("tolerance-seconds"),
        help: "Largest accepted clock difference of x-anima-timestamp, past or future (env ANIMA_TOLERANCE_SECONDS; default 300)."
    )
    var toleranceSeconds: String?
    @Option(
        name: .customLong("max-body-bytes"),
        help: "Largest accepted body; larger gets 413 (env ANIMA_MAX_BODY_BYTES; default 1048576)."
    )
    var maxBodyBytes: String?
    @Option(name: .customLong("max-pending"), help: "Answer 503 while this many events wait (env ANIMA_MAX_PENDING; default 0: no limit).")
    var maxPending: String?
    @Option(
        name: .customLong("push-timeout-seconds"),
        help: "Longest wait for Redis before answering 503 (env ANIMA_PUSH_TIMEOUT_SECONDS; default 2)."
    )
    var pushTimeoutSeconds: String?
    @Option(
        name: .customLong("min-replicas"),
        help: "Answer 200 only once this many replicas hold the event (Redis WAIT); else 503 (env ANIMA_MIN_REPLICAS; default 0)."
    )
    var minReplicas: String?

    init() {}
}
