import Foundation
public import Logging

#if canImport(Glibc)
import Glibc
#endif

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
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        var line = LogClock.timestamp()
        line += " \(event.level) \(label):"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        line += " [\(event.source)] \(event.message)\n"
        LogBuffer.standardError.append(line, urgent: event.level >= .error)
    }
}

/// `strftime("%Y-%m-%dT%H:%M:%S%z")` in local time, computed once a second.
enum LogClock {
    private static let cache = NSLock()
    nonisolated(unsafe) private static var second: time_t = -1
    nonisolated(unsafe) private static var text = ""

    static func timestamp() -> String {
        var now = time(nil)
        cache.lock()
        defer { cache.unlock() }
        if now != second {
            var buffer = [Int8](repeating: 0, count: 64)
            var local = tm()
            localtime_r(&now, &local)
            strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
            text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            second = now
        }
        return text
    }
}
