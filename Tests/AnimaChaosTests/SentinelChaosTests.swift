import AnimaTestSupport
import Foundation
import Glibc
import Testing

/// `scripts/chaos --sentinel` as part of the suite: signed events through the real ingress
/// (`ANIMA_MIN_REPLICAS=1`) to workers on a `redis-sentinel://` URL while the master is killed
/// twice and Sentinel fails over; every accepted event handled, nothing duplicated but the
/// re-runs a failover explains. Then the weakness demo with `ANIMA_MIN_REPLICAS=0`.
@Suite("Sentinel chaos")
struct SentinelChaosTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func fiveHundredEventsThroughTwoMasterKillsAreAllHandled() async throws {
        let script = Self.root.appendingPathComponent("scripts/chaos").path
        var environment = ProcessInfo.processInfo.environment
        environment["ANIMA_BIN_DIR"] = ManagedProcess.binDirectory.path
        // Foundation starts the script as the leader of a process group of its own, which
        // python, the redis-servers, the Sentinels, the ingresses and the workers join: a
        // timeout kills the group.
        let run = try await ManagedProcess(script, arguments: ["--sentinel", "500"], environment: environment)
        let timeout = TestTime.scaled(.seconds(240))
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
            last.hasPrefix("chaos: sent=500 accepted=500"),
            "expected the last line to start with 'chaos: sent=500 accepted=500', saw '\(last)'; output:\n\(output)"
        )
        #expect(last.contains("duplicates=0 lost=0"), "expected 'duplicates=0 lost=0' in the last line, saw '\(last)'; output:\n\(output)")
        #expect(
            run.standardOutput.contains("weakness: min_replicas=1 acknowledged=0 lost=0"),
            "expected the weakness demo's line for ANIMA_MIN_REPLICAS=1; output:\n\(output)"
        )
    }
}
