import AnimaRedis
import AnimaTestSupport
import Foundation
import NIOCore
import Testing

/// The real ingress on a `redis-sentinel://` URL through a `SENTINEL FAILOVER`.
@Suite("Ingress: Sentinel failover")
struct IngressFailoverTests {
    @Test func ingressIdleAtTheSwitchDropsTheOldMasterAndStoresTheNextEventOnTheNewMaster() async throws {
        try await SentinelTopology.run(replicas: 1, sentinels: 1) { t in
            let ingress = try await IngressProcess(redisURL: t.url)
            try await withCleanup {
                let first = try await ingress.postSigned(eventBody())
                try #require(first.status == 200, "setup: expected 200 before the failover, saw \(first.summary)")
                // Its connection to the old master is idle when +switch-master comes.
                let (old, new) = try await t.failover()
                // It learns of the switch from Sentinel as the test does: wait for the mechanism
                // (no connection of it left on the old master), not for a while.
                var left: [[String: String]] = []
                let dropped = await eventually(timeout: .seconds(20), interval: .milliseconds(20)) {
                    left = (try? await SentinelTopology.applicationClients(on: old.port)) ?? [["?": "no answer"]]
                    return left.isEmpty
                }
                try #require(dropped, "the ingress kept connections to the old master \(old.port): \(left)")

                let body = eventBody()
                var last = "nothing"
                let accepted = await eventually(timeout: .seconds(20), interval: .milliseconds(100)) {
                    guard ingress.process.isRunning else { return true }
                    do {
                        let answer = try await ingress.postSigned(body)
                        last = answer.summary
                        return answer.status == 200
                    } catch {
                        last = "\(error)"
                        return false
                    }
                }
                #expect(
                    ingress.process.isRunning,
                    "the ingress died after the switch (\(ingress.process.exitStatus.map(\.description) ?? "?")); stderr:\n\(ingress.process.standardError)"
                )
                #expect(accepted && last.hasPrefix("200"), "expected a 200 after the failover, last saw \(last)")
                let onNew = try await queued(on: new.port)
                let onOld = (try? await queued(on: old.port)) ?? []
                #expect(
                    onNew.contains(body),
                    "the event accepted after the failover is not on the new master \(new.port); on the old master \(old.port): \(onOld.contains(body))"
                )
            } cleanup: {
                await ingress.stop()
            }
        }
    }

    /// The entries of `anima:events` on the node at `port`, read directly.
    private func queued(on port: Int) async throws -> [[UInt8]] {
        let reply = try await SentinelTopology.send(RedisCommand("LRANGE", "anima:events", 0, -1), to: port)
        return (reply.array ?? []).compactMap { $0.bytes.map { Array(buffer: $0) } }
    }
}
