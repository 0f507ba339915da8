public import AnimaCLI
import AnimaRedis
public import ArgumentParser

/// `anima-ingress`'s own flags. Every flag has an environment variable; the flag wins.
public struct IngressOptions: ParsableArguments, Sendable {
    @OptionGroup public var redis: RedisOptions
    @OptionGroup public var log: LogOptions

    @Option(
        name: [.customLong("ingress-host"), .customLong("host")],
        help: "Address to listen on (env ANIMA_INGRESS_HOST; default 127.0.0.1)."
    )
    public var host: String?
    @Option(name: .customLong("port"), help: "Port to listen on (env PORT; default 3000; 0 picks one).")
    public var port: String?
    @Option(
        name: .customLong("webhook-secret"),
        help: "Accepted secrets, separated by spaces (env ANIMA_WEBHOOK_SECRET; required). Prefer the variable: flags show in ps."
    )
    public var webhookSecret: String?
    @Option(
        name: .customLong("tolerance-seconds"),
        help: "Largest accepted clock difference of x-anima-timestamp, past or future (env ANIMA_TOLERANCE_SECONDS; default 300)."
    )
    public var toleranceSeconds: String?
    @Option(
        name: .customLong("max-body-bytes"),
        help: "Largest accepted body; larger gets 413 (env ANIMA_MAX_BODY_BYTES; default 1048576)."
    )
    public var maxBodyBytes: String?
    @Option(name: .customLong("max-pending"), help: "Answer 503 while this many events wait (env ANIMA_MAX_PENDING; default 0: no limit).")
    public var maxPending: String?
    @Option(
        name: .customLong("push-timeout-seconds"),
        help: "Longest wait for Redis before answering 503 (env ANIMA_PUSH_TIMEOUT_SECONDS; default 2)."
    )
    public var pushTimeoutSeconds: String?
    @Option(
        name: .customLong("min-replicas"),
        help: "Answer 200 only once this many replicas hold the event (Redis WAIT); else 503 (env ANIMA_MIN_REPLICAS; default 0)."
    )
    public var minReplicas: String?

    public init() {}
}

extension IngressConfiguration {
    /// Builds the configuration from flags and environment, validating every value.
    public init(options: IngressOptions, settings: SettingsReader) throws(ConfigurationError) {
        guard let secretText = settings.text(options.webhookSecret, "ANIMA_WEBHOOK_SECRET") else {
            throw ConfigurationError("ANIMA_WEBHOOK_SECRET is required (or --webhook-secret): the secret Anima signs webhooks with")
        }
        let secrets = secretText.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !secrets.isEmpty else {
            throw ConfigurationError("ANIMA_WEBHOOK_SECRET is empty: set the secret Anima signs webhooks with")
        }
        let (redis, prefix) = try options.redis.resolve(settings)
        self.init(
            host: settings.string(options.host, "ANIMA_INGRESS_HOST", default: "127.0.0.1"),
            port: try settings.integer(options.port, "PORT", default: 3000, range: 0...65535),
            redis: redis,
            keyPrefix: prefix,
            secrets: secrets,
            tolerance: try settings.seconds(options.toleranceSeconds, "ANIMA_TOLERANCE_SECONDS", default: .seconds(300)),
            maxBodyBytes: try settings.integer(options.maxBodyBytes, "ANIMA_MAX_BODY_BYTES", default: 1_048_576, range: 1...(1 << 30)),
            maxPending: try settings.integer(options.maxPending, "ANIMA_MAX_PENDING", default: 0),
            pushTimeout: try settings.seconds(options.pushTimeoutSeconds, "ANIMA_PUSH_TIMEOUT_SECONDS", default: .seconds(2), minimum: 0.01),
            minReplicas: try settings.integer(options.minReplicas, "ANIMA_MIN_REPLICAS", default: 0, range: 0...100)
        )
    }
}
