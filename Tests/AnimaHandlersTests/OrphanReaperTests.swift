import Foundation
import Testing

@testable import AnimaHandlers

#if canImport(Glibc)
import Glibc
#endif

/// The orphan reaper is one `awk` per worker that lives as long as the worker.
@Suite("Orphan reaper") struct OrphanReaperTests {
    /// It must not keep the worker's descriptors open: a Redis connection the worker closed
    /// would stay open, and a process started beside it would never be seen to end.
    @Test func theReaperHoldsOnlyItsStandardDescriptors() async throws {
        let inherited = open("/dev/null", O_RDONLY)  // no O_CLOEXEC: what a careless library leaves open
        defer { close(inherited) }
        let reaper = try #require(OrphanReaper(), "expected awk to start")
        defer {
            kill(reaper.pid, SIGKILL)
            waitpid(reaper.pid, nil, 0)
        }
        let held = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(reaper.pid)/fd").sorted()
        #expect(held == ["0", "1", "2"], "expected only stdin, stdout and stderr open in the reaper, saw \(held)")
    }
}
