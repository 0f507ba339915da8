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
        LogBuffer.standardError.append(line(for: event), urgent: event.level >= .error)
    }

    /// The line of `event`, newline included. Built as bytes, piece by piece: this runs once per
    /// handled event, and `String` appends were most of its cost.
    func line(for event: LogEvent) -> [UInt8] {
        let pairs: [(key: String, value: Logger.Metadata.Value)]
        if let error = event.error {
            var merged = event.mergedMetadata(over: metadata)
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
            pairs = merged.sorted { $0.key < $1.key }
        } else {
            pairs = event.sortedMetadata(over: metadata)
        }
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line += LogClock.local.text().utf8
        line.append(UInt8(ascii: " "))
        line += event.level.rawValue.utf8
        line.append(UInt8(ascii: " "))
        line += label.utf8
        line.append(UInt8(ascii: ":"))
        for (key, value) in pairs {
            line.append(UInt8(ascii: " "))
            line += key.utf8
            line.append(UInt8(ascii: "="))
            Self.append(value, to: &line)
        }
        line += " [".utf8
        line += event.source.utf8
        line += "] ".utf8
        line += event.message.description.utf8
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// A value as `StreamLogHandler` prints it.
    private static func append(_ value: Logger.Metadata.Value, to line: inout [UInt8]) {
        switch value {
        case .string(let text): line += text.utf8
        case .stringConvertible(let convertible): line += convertible.description.utf8
        default: line += value.description.utf8
        }
    }
}
