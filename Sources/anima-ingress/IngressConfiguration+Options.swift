import AnimaCLI
import AnimaIngress

extension IngressConfiguration {
    /// Builds the configuration from flags and environment, validating every value.
    init(options: IngressOptions, settings: SettingsReader) throws(ConfigurationError) {
        guard let secretText = settings.text(options.webhookSecret, "ANIMA_WEBHOOK_SECRET") else {
            throw ConfigurationError("ANIMA_WEBHOOK_SECRET is required (or --webhook-secret): the secret Anima signs webhooks with")
        }
        let secrets = secretText.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !secrets.isEmpty else {
            throw ConfigurationError("ANIMA_WEBHOOK_SECRET is empty: set the secret Anima signs webhooks with")
        }
        let (redis, prefix) = try options.redis.resolve(settings)
        let defaults = IngressOptions.defaults
        self.init(
            host: settings.string(options.host, "ANIMA_INGRESS_HOST", default: defaults.host),
            port: try settings.integer(options.port, "PORT", default: defaults.port, range: 0...65535),
            redis: redis,
            keyPrefix: prefix,
            secrets: secrets,
            tolerance: try settings.seconds(options.toleranceSeconds, "ANIMA_TOLERANCE_SECONDS", default: defaults.tolerance),
            maxBodyBytes: try settings.integer(
                options.maxBodyBytes,
                "ANIMA_MAX_BODY_BYTES",
                default: defaults.maxBodyBytes,
                range: 1...(1 << 30)
            ),
            maxPending: try settings.integer(options.maxPending, "ANIMA_MAX_PENDING", default: defaults.maxPending),
            pushTimeout: try settings.seconds(
                options.pushTimeoutSeconds,
                "ANIMA_PUSH_TIMEOUT_SECONDS",
                default: defaults.pushTimeout,
                minimum: 0.01
            ),
            minReplicas: try settings.integer(options.minReplicas, "ANIMA_MIN_REPLICAS", default: defaults.minReplicas, range: 0...100)
        )
    }
}
