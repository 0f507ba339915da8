import AnimaTestSupport
import Foundation
import Testing

@testable import AnimaHandlers

#if canImport(Glibc)
import Glibc
#endif

/// The orphan reaper is one `awk` per worker that lives as long as the worker.
@Suite("Orphan reaper") struct OrphanReaperTests {
    /// Starts a reaper, runs `body` with its pid, then lets go of it; true when `awk` ended by
    /// itself (else it is killed).
    static func withReaper(_ body: (pid_t) throws -> Void) async throws -> Bool {
        var reaper = OrphanReaper()
        let pid = try #require(reaper?.pid, "expected awk to start")
        try body(pid)
        reaper = nil
        let ended = await eventually(timeout: .seconds(10), interval: .milliseconds(10)) { waitpid(pid, nil, WNOHANG) == pid }
        if !ended {
            kill(pid, SIGKILL)
            waitpid(pid, nil, 0)
        }
        return ended
    }

    /// It must not keep the worker's descriptors open: a Redis connection the worker closed
    /// would stay open, and a process started beside it would never be seen to end.
    @Test func theReaperHoldsOnlyItsStandardDescriptors() async throws {
        let inherited = open("/dev/null", O_RDONLY)  // no O_CLOEXEC: what a careless library leaves open
        defer { close(inherited) }
        var held: [String] = []
        _ = try await Self.withReaper { pid in held = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").sorted() }
        #expect(held == ["0", "1", "2"], "expected only stdin, stdout and stderr open in the reaper, saw \(held)")
    }

    @Test func theReaperEndsWhenItsWorkerLetsGoOfIt() async throws {
        let ended = try await Self.withReaper { _ in }
        #expect(ended, "expected awk to end once the reaper's pipe closed")
    }
}
