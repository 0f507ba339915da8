import Logging

/// swift-otel's diagnostic log, read for the spans it gives up on and passed on to the
/// process's log. swift-otel reports a lost batch (`Failed to export batch.`, with
/// `batch_size`) and a full queue (`… queue was full`, with `dropped_count`) only there.
struct DropCountingLogHandler: LogHandler {
    var logger: Logger
    let drops: TraceDrops
    var metadata: Logger.Metadata = [:]

    init(forwardingTo logger: Logger, drops: TraceDrops) {
        var logger = logger
        logger[metadataKey: "anima.component"] = "traces"
        self.logger = logger
        self.drops = drops
    }

    var logLevel: Logger.Level {
        get { logger.logLevel }
        set { logger.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if event.message.description.hasPrefix("Failed to export batch") {
            drops.add(Self.count(all["batch_size"]))
            all["anima.traces.dropped_total"] = "\(drops.total)"
        } else if let dropped = all["dropped_count"] {
            drops.add(Self.count(dropped))
            all["anima.traces.dropped_total"] = "\(drops.total)"
        }
        logger.log(
            level: event.level, event.message, metadata: all, source: event.source, file: event.file, function: event.function,
            line: event.line)
    }

    private static func count(_ value: Logger.Metadata.Value?) -> Int {
        value.flatMap { Int("\($0)") } ?? 0
    }
}
