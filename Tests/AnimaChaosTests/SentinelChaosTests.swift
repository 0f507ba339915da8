import AnimaTestSupport
import Testing

/// `scripts/chaos --sentinel` as part of the suite: signed events through the real ingress
/// (`ANIMA_MIN_REPLICAS=1`) to workers on a `redis-sentinel://` URL while the master is killed
/// twice and Sentinel fails over; every accepted event handled, nothing duplicated but the
/// re-runs a failover explains. Then the weakness demo with `ANIMA_MIN_REPLICAS=0`.
@Suite("Sentinel chaos")
struct SentinelChaosTests {
    @Test func fiveHundredEventsThroughTwoMasterKillsAreAllHandled() async throws {
        let run = try await ChaosScript.run(["--sentinel", "500"], timeout: .seconds(240))
        #expect(run.status == .exited(0), "expected exit 0, saw \(run.statusText); output:\n\(run.output)")
        #expect(
            run.lastLine.hasPrefix("chaos: sent=500 accepted=500"),
            "expected the last line to start with 'chaos: sent=500 accepted=500', saw '\(run.lastLine)'; output:\n\(run.output)"
        )
        #expect(
            run.lastLine.contains("duplicates=0 lost=0"),
            "expected 'duplicates=0 lost=0' in the last line, saw '\(run.lastLine)'; output:\n\(run.output)"
        )
        #expect(
            run.standardOutput.contains("weakness: min_replicas=1 acknowledged=0 lost=0"),
            "expected the weakness demo's line for ANIMA_MIN_REPLICAS=1; output:\n\(run.output)"
        )
    }
}
