import Foundation
public import Logging

/// Writes one JSON object per line to stderr, for log shippers:
/// `{"ts":"…","level":"info","logger":"anima-worker","msg":"…", <metadata>…}`.
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
        var object: [String: Any] = [:]
        for (key, value) in metadata { object[key] = Self.plain(value) }
        for (key, value) in event.metadata ?? [:] { object[key] = Self.plain(value) }
        if let error = event.error { object["error"] = "\(error)" }
        object["ts"] = Date().ISO8601Format()
        object["level"] = event.level.rawValue
        object["logger"] = label
        object["msg"] = event.message.description
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        data.append(UInt8(ascii: "\n"))
        FileHandle.standardError.write(data)
    }

    private static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(plain)
        case .dictionary(let values): values.mapValues(plain)
        }
    }
}
