public import AnimaCLI
import AnimaRedis
import Foundation
import Yams

extension WorkerConfiguration {
    /// Builds the configuration from flags and environment, validating every value.
    public init(options: WorkerOptions, settings: SettingsReader) throws(ConfigurationError) {
        let (redis, prefix) = try options.redis.resolve(settings)
        let metricsPort: Int? =
            settings.text(options.metricsPort, "ANIMA_METRICS_PORT") == nil
            ? nil : try settings.integer(options.metricsPort, "ANIMA_METRICS_PORT", default: 0, range: 0...65535)
        let retryBase = try settings.seconds(options.retryBaseSeconds, "ANIMA_RETRY_BASE_SECONDS", default: .seconds(10), minimum: 0.001)
        let retryMax = try settings.seconds(options.retryMaxSeconds, "ANIMA_RETRY_MAX_SECONDS", default: .seconds(21_600), minimum: 0.001)
        guard retryMax >= retryBase else {
            throw ConfigurationError(
                "--retry-max-seconds (ANIMA_RETRY_MAX_SECONDS) must not be below --retry-base-seconds (ANIMA_RETRY_BASE_SECONDS)"
            )
        }
        let workerID = settings.string(options.workerID, "ANIMA_WORKER_ID", default: WorkerConfiguration.makeWorkerID())
        guard !workerID.isEmpty, !workerID.contains(where: { $0.isWhitespace || $0 == ":" }) else {
            throw ConfigurationError("--worker-id (ANIMA_WORKER_ID) must be non-empty, without spaces or ':', got '\(workerID)'")
        }
        self.init(
            redis: redis,
            keyPrefix: prefix,
            concurrency: try settings.integer(options.concurrency, "ANIMA_WORKER_CONCURRENCY", default: 16, range: 1...10_000),
            maxAttempts: try settings.integer(options.maxAttempts, "ANIMA_MAX_ATTEMPTS", default: 20, range: 1...1_000),
            retryBase: retryBase,
            retryMax: retryMax,
            handlerTimeout: try settings.seconds(
                options.handlerTimeoutSeconds,
                "ANIMA_HANDLER_TIMEOUT_SECONDS",
                default: .seconds(30),
                minimum: 0.001
            ),
            recovery: try settings.seconds(options.recoverySeconds, "ANIMA_RECOVERY_SECONDS", default: .seconds(60), minimum: 0.5),
            shutdownGrace: try settings.seconds(options.shutdownGraceSeconds, "ANIMA_SHUTDOWN_GRACE_SECONDS", default: .seconds(30)),
            metricsPort: metricsPort,
            metricsHost: settings.string(options.metricsHost, "ANIMA_METRICS_HOST", default: "127.0.0.1"),
            workerID: workerID
        )
    }
}

extension HandlerRegistry {
    /// The handlers named by `--on` and `--handlers` (`--on` wins for a type named in both).
    public static func fromOptions(
        _ options: WorkerOptions,
        settings: SettingsReader
    ) throws(ConfigurationError) -> (HandlerRegistry, [String: HandlerSpec]) {
        var specs: [String: HandlerSpec] = [:]
        if let path = settings.text(options.handlersFile, "ANIMA_HANDLERS") {
            for (type, text) in try loadHandlersFile(path) {
                specs[type] = try parse(type: type, handler: text, origin: path)
            }
        }
        // `--on` wins over ANIMA_ON (one TYPE=HANDLER per line: commands may hold ; and spaces).
        let pairs =
            options.on.isEmpty
            ? (settings.text(nil, "ANIMA_ON") ?? "").split(separator: "\n").map(String.init).filter {
                !$0.trimmingCharacters(in: .whitespaces).isEmpty
            }
            : options.on
        for item in pairs {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ConfigurationError("--on '\(item)': expected TYPE=HANDLER, e.g. --on 'resource.created=builtin:log'")
            }
            let type = String(item[..<equals]).trimmingCharacters(in: .whitespaces)
            specs[type] = try parse(type: type, handler: String(item[item.index(after: equals)...]), origin: "--on")
        }
        guard !specs.isEmpty else {
            throw ConfigurationError(
                "no handlers: give --on TYPE=HANDLER (env ANIMA_ON, one per line) or --handlers FILE (--on '*=builtin:ack' acknowledges every event)"
            )
        }
        var registry = HandlerRegistry()
        for (type, spec) in specs {
            switch spec {
            case .ack: registry.on(type, AckHandler())
            case .log: registry.on(type, LogEventHandler())
            case .command(let command): registry.on(type, CommandHandler(command: command))
            case .forward(let url):
                registry.on(type, HTTPForwardHandler(url: url, forwardSecret: settings.text(options.forwardSecret, "ANIMA_FORWARD_SECRET")))
            }
        }
        return (registry, specs)
    }

    private static func parse(type: String, handler: String, origin: String) throws(ConfigurationError) -> HandlerSpec {
        guard !type.isEmpty else { throw ConfigurationError("\(origin): empty event type") }
        do {
            return try HandlerSpec(parsing: handler)
        } catch {
            throw ConfigurationError("\(origin): handler for '\(type)': \(error.message)")
        }
    }

    /// Reads a JSON or YAML map from event type to handler string.
    static func loadHandlersFile(_ path: String) throws(ConfigurationError) -> [(String, String)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("--handlers (ANIMA_HANDLERS): cannot read '\(path)'")
        }
        let text = String(decoding: data, as: UTF8.self)
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text)  // YAML is a superset of JSON: both parse here
        } catch {
            throw ConfigurationError("--handlers (ANIMA_HANDLERS): '\(path)' is not valid JSON or YAML: \(error)")
        }
        guard let map = loaded as? [String: Any] else {
            throw ConfigurationError("--handlers (ANIMA_HANDLERS): '\(path)' must be a map from event type to handler")
        }
        var pairs: [(String, String)] = []
        for (type, value) in map.sorted(by: { $0.key < $1.key }) {
            guard let handler = value as? String else {
                throw ConfigurationError("--handlers (ANIMA_HANDLERS): '\(path)': the handler of '\(type)' must be a string")
            }
            pairs.append((type, handler))
        }
        return pairs
    }
}
