public import Foundation
import NIOConcurrencyHelpers
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Collects everything a child process writes to one pipe, in memory, on a reader thread of
/// its own (so a chatty child never blocks on a full pipe). Safe to read from any thread.
public final class OutputCapture: Sendable {
    public let pipe: Pipe
    private let bytes = NIOLockedValueBox<[UInt8]>([])
    private let ended = Atomic<Bool>(false)

    public init() {
        pipe = Pipe()
    }

    /// Starts reading; call once the child holds the write end.
    public func startReading() {
        let fd = pipe.fileHandleForReading.fileDescriptor
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 16384)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    bytes.withLockedValue { $0 += buffer.prefix(count) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    ended.store(true, ordering: .releasing)
                    return
                }
            }
        }
        thread.start()
    }

    /// Whether the pipe reached end of stream: every writer (the child, and any process that
    /// inherited the write end) has closed it.
    public var isAtEnd: Bool { ended.load(ordering: .acquiring) }

    /// Everything captured so far, as UTF-8 text.
    public var text: String {
        bytes.withLockedValue { String(decoding: $0, as: UTF8.self) }
    }
}
