import AnimaTestSupport
import Foundation
import Glibc
import Testing

/// `scripts/chaos` as part of the suite: signed events through the real ingress to workers
/// that are killed and restarted while Redis restarts; every accepted event handled once.
@Suite("Chaos")
struct ChaosTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func thousandEventsThroughKilledWorkersAndARedisRestartAreHandledExactlyOnce() async throws {
        let script = Self.root.appendingPathComponent("scripts/chaos").path
        var environment = ProcessInfo.processInfo.environment
        environment["ANIMA_BIN_DIR"] = ManagedProcess.binDirectory.path
        // Without the 3 s Redis freeze of the full script: it stretches the run by half, and its
        // load beside the rest of the suite on 2 cores made other tests' timing flaky.
        environment["CHAOS_REDIS_FREEZE"] = "0"
        // Foundation starts the script as the leader of a process group of its own, which
        // python, redis-server, the ingress and the workers join: a timeout kills the group.
        let run = try await ManagedProcess(script, arguments: ["1000"], environment: environment)
        let timeout = TestTime.scaled(.seconds(180))
        var status = await run.waitForExit(timeout: timeout)
        if status == nil {
            kill(-run.pid, SIGKILL)
            kill(run.pid, SIGKILL)
            status = await run.waitForExit(timeout: .seconds(10))
        }
        let output = run.standardOutput + run.standardError
        let last = run.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
        #expect(
            status == .exited(0),
            "expected exit 0, saw \(status.map(\.description) ?? "still running after \(timeout)"); output:\n\(output)"
        )
        #expect(
            last.hasPrefix("chaos: sent=1000 accepted=1000"),
            "expected the last line to start with 'chaos: sent=1000 accepted=1000', saw '\(last)'; output:\n\(output)"
        )
        #expect(last.contains("duplicates=0 lost=0"), "expected 'duplicates=0 lost=0' in the last line, saw '\(last)'; output:\n\(output)")
    }
}
