import AnimaTestSupport
import Foundation
import Testing

/// `scripts/chaos` as part of the suite: signed events through the real ingress to workers
/// that are killed and restarted while Redis restarts; every accepted event handled once.
@Suite("Chaos")
struct ChaosTests {
    @Test func thousandEventsThroughKilledWorkersAndARedisRestartAreHandledExactlyOnce() async throws {
        // Without the 3 s Redis freeze of the full script: it stretches the run by half, and its
        // load beside the rest of the suite on 2 cores made other tests' timing flaky.
        let run = try await ChaosScript.run(["1000"], variables: ["CHAOS_REDIS_FREEZE": "0"], timeout: .seconds(180))
        #expect(run.status == .exited(0), "expected exit 0, saw \(run.statusText); output:\n\(run.output)")
        #expect(
            run.lastLine.hasPrefix("chaos: sent=1000 accepted=1000"),
            "expected the last line to start with 'chaos: sent=1000 accepted=1000', saw '\(run.lastLine)'; output:\n\(run.output)"
        )
        #expect(
            run.lastLine.contains("duplicates=0 lost=0"),
            "expected 'duplicates=0 lost=0' in the last line, saw '\(run.lastLine)'; output:\n\(run.output)"
        )
    }

    @Test func orderedEventsThroughKilledWorkersKeepTheirOrderAndNoneIsLost() async throws {
        let run = try await ChaosScript.run(["--ordered", "1000"], variables: ["CHAOS_REDIS_FREEZE": "0"], timeout: .seconds(180))
        #expect(run.status == .exited(0), "expected exit 0, saw \(run.statusText); output:\n\(run.output)")
        #expect(
            run.lastLine.contains("duplicates=0 lost=0 order_violations=0"),
            "expected 'duplicates=0 lost=0 order_violations=0' in the last line, saw '\(run.lastLine)'; output:\n\(run.output)"
        )
    }

    /// Workers that need no slot take full batches and the next batch ahead: a backlog of 50,000
    /// ordered events keeps them at it while they are killed and Redis restarts.
    @Test func quickWorkersTakingAheadThroughKillsKeepOrderAndHandleEachEventOnce() async throws {
        let run = try await ChaosScript.run(
            ["--quick", "--ordered", "1000"], variables: ["CHAOS_REDIS_FREEZE": "0"], timeout: .seconds(240))
        #expect(run.status == .exited(0), "expected exit 0, saw \(run.statusText); output:\n\(run.output)")
        #expect(
            run.lastLine.contains("sent=51000 accepted=51000") && run.lastLine.contains("duplicates=0 lost=0 order_violations=0"),
            "expected 'sent=51000 accepted=51000' and 'duplicates=0 lost=0 order_violations=0' in the last line, saw '\(run.lastLine)'; output:\n\(run.output)"
        )
    }

    @Test func aLimitedTypeThroughKilledWorkersNeverRunsPastItsLimitAndNoneIsLost() async throws {
        // Recovery at 4 s (twice the script's default): a worker starved of CPU beside the rest
        // of the suite for longer than that loses its slots as it loses its leases, which the
        // limit check would count against a worker that lived on.
        let scale = max(2, ProcessInfo.processInfo.environment["ANIMA_TEST_TIME_SCALE"].flatMap(Double.init) ?? 1)
        let run = try await ChaosScript.run(
            ["--limited", "1000"], variables: ["CHAOS_REDIS_FREEZE": "0", "ANIMA_TEST_TIME_SCALE": "\(scale)"], timeout: .seconds(240))
        #expect(run.status == .exited(0), "expected exit 0, saw \(run.statusText); output:\n\(run.output)")
        #expect(
            run.lastLine.contains("duplicates=0 lost=0 limit_violations=0"),
            "expected 'duplicates=0 lost=0 limit_violations=0' in the last line, saw '\(run.lastLine)'; output:\n\(run.output)"
        )
    }
}
