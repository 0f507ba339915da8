public import Logging

/// Writes one JSON object per line to stderr (through ``LogBuffer``), for log shippers:
/// `{"level":"info","logger":"anima-worker","msg":"…","ts":"…", <metadata>…}`, keys sorted.
public struct JSONLogHandler: LogHandler {
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
        var fields = event.mergedMetadata(over: metadata)
        if let error = event.error { fields["error"] = "\(error)" }
        fields["ts"] = .string(LogClock.utc.text())
        fields["level"] = .string(event.level.rawValue)
        fields["logger"] = .string(label)
        fields["msg"] = .string(event.message.description)
        var line = ""
        Self.write(.dictionary(fields), to: &line)
        line += "\n"
        LogBuffer.standardError.append(line, urgent: event.level >= .error)
    }

    private static func write(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text): quote(text, to: &line)
        case .stringConvertible(let convertible): quote(convertible.description, to: &line)
        case .array(let values):
            line += "["
            for (index, element) in values.enumerated() {
                if index > 0 { line += "," }
                write(element, to: &line)
            }
            line += "]"
        case .dictionary(let values):
            line += "{"
            for (index, (key, element)) in values.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { line += "," }
                quote(key, to: &line)
                line += ":"
                write(element, to: &line)
            }
            line += "}"
        }
    }

    private static func quote(_ text: String, to line: inout String) {
        line += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where scalar.value < 0x20:
                line += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: line.unicodeScalars.append(scalar)
            }
        }
        line += "\""
    }
}
