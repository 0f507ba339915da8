public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Process {
    /// Launches the process from a thread whose signal mask is empty.
    ///
    /// A child inherits the launching thread's signal mask, and the threads of Swift's
    /// cooperative pool (libdispatch workers) block nearly every signal: a `redis-server`
    /// launched from one would ignore SIGTERM for its whole life.
    public func runWithDefaultSignalMask() async throws {
        let process = UncheckedProcess(process: self)
        try await runBlocking {
            var empty = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, nil)
            try process.process.run()
        }
    }
}

/// Carries a `Process` to the launching thread; it is not touched anywhere else meanwhile.
private struct UncheckedProcess: @unchecked Sendable {
    let process: Process
}
