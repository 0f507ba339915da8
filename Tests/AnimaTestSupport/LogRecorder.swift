public import Logging
import NIOConcurrencyHelpers

/// A `LogHandler` that keeps every message, for in-process tests of what a component logs.
public final class LogRecorder: Sendable {
    private let messages = NIOLockedValueBox<[String]>([])

    public init() {}

    /// A logger at `trace` whose messages land here.
    public var logger: Logger {
        Logger(label: "anima.test") { _ in Handler(recorder: self) }
    }

    /// Every message so far, oldest first.
    public var recorded: [String] { messages.withLockedValue { $0 } }

    fileprivate func keep(_ message: String) { messages.withLockedValue { $0.append(message) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.keep(event.message.description)
        }
    }
}
