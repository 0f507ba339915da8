import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The timestamp of a log line, formatted once a second: `local` is swift-log's
/// `StreamLogHandler` form (`2026-12-01T10:34:41+0000`), `utc` the JSON lines' form
/// (`2026-12-01T10:34:41Z`, as `Date.ISO8601Format()` writes it).
final class LogClock: @unchecked Sendable {
    static let local = LogClock(format: "%Y-%m-%dT%H:%M:%S%z", utc: false)
    static let utc = LogClock(format: "%Y-%m-%dT%H:%M:%SZ", utc: true)

    private let format: String
    private let isUTC: Bool
    // Guarded by `lock`.
    private let lock = NSLock()
    private var second: time_t = -1
    private var cached = ""

    private init(format: String, utc: Bool) {
        self.format = format
        self.isUTC = utc
    }

    /// The current second, formatted.
    func text() -> String {
        var now = time(nil)
        lock.lock()
        defer { lock.unlock() }
        if now != second {
            var parts = tm()
            if isUTC { gmtime_r(&now, &parts) } else { localtime_r(&now, &parts) }
            var buffer = [Int8](repeating: 0, count: 64)
            strftime(&buffer, buffer.count, format, &parts)
            cached = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            second = now
        }
        return cached
    }
}
