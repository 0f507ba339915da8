import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Standard error behind a buffer, so that a log line costs a copy, not a `write` system call.
///
/// Log calls append their line under a lock and return; a thread of the buffer's own writes
/// what gathered every 20 ms, or at once when 64 KiB wait. Lines at `error` and above are
/// written before the call returns, and whatever waits is written at exit (`atexit`), so only
/// a SIGKILL can lose the last few milliseconds of lines.
final class LogBuffer: @unchecked Sendable {
    /// The process's standard error. `@unchecked Sendable`: every field is guarded by `condition`.
    static let standardError = LogBuffer(descriptor: STDERR_FILENO)

    private let descriptor: Int32
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    private var writerStarted = false
    private static let interval = 0.02
    private static let limit = 64 * 1024

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        pending.reserveCapacity(Self.limit)
    }

    /// Queues `line` (which ends with a newline); `urgent` writes it and all before it now.
    func append(_ line: String, urgent: Bool) {
        append(line.utf8, urgent: urgent)
    }

    /// Queues `line`, bytes of UTF-8 that end with a newline (see ``append(_:urgent:)``).
    func append(_ line: some Collection<UInt8>, urgent: Bool) {
        condition.lock()
        pending.append(contentsOf: line)
        if !writerStarted { startWriter() }
        let full = pending.count >= Self.limit
        if urgent || full {
            let bytes = pending
            pending.removeAll(keepingCapacity: true)
            write(bytes)  // under the lock: lines keep their order
        }
        condition.unlock()
    }

    /// Writes whatever waits.
    func flush() {
        condition.lock()
        let bytes = pending
        pending.removeAll(keepingCapacity: true)
        write(bytes)
        condition.unlock()
    }

    /// Called with the lock held.
    private func startWriter() {
        writerStarted = true
        atexit { LogBuffer.standardError.flush() }
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: Self.interval)
                flush()
            }
        }
        thread.name = "anima-log"
        thread.start()
    }

    private func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // stderr closed or full: drop rather than block the process
                }
            }
        }
    }
}
