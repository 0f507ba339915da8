#if canImport(Glibc)
import Glibc
#endif

/// One process for the ``ProcessMonitor`` to run: what `posix_spawn` needs, the bytes for its
/// stdin, and a hook called with its pid as soon as it exists, before any input is written.
struct SpawnRequest: Sendable {
    /// `argv`; the first is the executable's path.
    var arguments: [String]
    /// The whole environment, as `KEY=VALUE\0` rows.
    var environment: [[UInt8]]
    var input: [UInt8]
    /// The most output bytes kept (stdout and stderr together); the rest is read and dropped.
    var outputLimit: Int
    var started: @Sendable (pid_t) -> Void
}

/// How a process ended, and what it printed.
struct ChildOutcome: Sendable {
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// Its status was taken by someone else's `waitpid` (errno says why).
        case unknown(Int32)
    }

    var termination: Termination
    var output: [UInt8]
    /// Output bytes past the limit, read and dropped.
    var dropped: Int
}

/// A process could not be started: which call failed, and its errno.
struct SpawnError: Error, Sendable, CustomStringConvertible {
    let call: String
    let code: Int32

    var description: String { "\(call) failed: \(String(cString: strerror(code))) (errno \(code))" }
}
