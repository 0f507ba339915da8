public import Logging

/// swift-log's `StreamLogHandler` line format (`<time> <level> <label>: <k=v …> [<source>]
/// <message>`), written through ``LogBuffer`` instead of one `write` per line.
public struct TextLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let pairs: [(key: String, value: Logger.Metadata.Value)]
        if let error = event.error {
            var merged = event.mergedMetadata(over: metadata)
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
            pairs = merged.sorted { $0.key < $1.key }
        } else {
            pairs = event.sortedMetadata(over: metadata)
        }
        // Built by appending, without interpolation: this runs once per handled event.
        var line = LogClock.local.text()
        line.reserveCapacity(160)
        line += " "
        line += event.level.rawValue
        line += " "
        line += label
        line += ":"
        for (key, value) in pairs {
            line += " "
            line += key
            line += "="
            Self.append(value, to: &line)
        }
        line += " ["
        line += event.source
        line += "] "
        line += event.message.description
        line += "\n"
        LogBuffer.standardError.append(line, urgent: event.level >= .error)
    }

    /// A value as `StreamLogHandler` prints it.
    private static func append(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text): line += text
        case .stringConvertible(let convertible): line += convertible.description
        default: line += value.description
        }
    }
}
