import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// The ingress and a worker on `rediss-sentinel://` through a failover.
@Suite("TLS to Redis: Sentinel failover")
struct TLSSentinelFailoverTests {
    @Test func ingressAndWorkerCarryOnAfterAFailoverOverTLSSentinels() async throws {
        let certificates = try TLSCertificates()
        try await TLSSentinelTopology.run(certificates: certificates) { topology in
            let environment = certificates.environment()
            let ingress = try await IngressProcess(redisURL: topology.url, environment: environment)
            let worker = try await WorkerProcess(redisURL: topology.url, handlers: ["*=builtin:ack"], environment: environment)
            try await withCleanup {
                let before = makeEvent()
                let answer = try await ingress.postSigned(Array(before.body.utf8))
                #expect(answer.status == 200, "saw \(answer); stderr: \(ingress.process.standardError)")
                let new = try await topology.failover()
                let after = makeEvent()
                let accepted = await eventually(timeout: TestTime.scaled(.seconds(20)), interval: .milliseconds(100)) {
                    (try? await ingress.postSigned(Array(after.body.utf8)).status) == 200
                }
                #expect(accepted, "the ingress did not take events again; stderr: \(ingress.process.standardError)")
                let handled = await eventually(timeout: TestTime.scaled(.seconds(20)), interval: .milliseconds(100)) {
                    let reply = try? await SentinelTopology.send(RedisCommand("GET", "anima:event:\(after.id)"), to: new.server.port)
                    return reply?.string == "done"
                }
                #expect(handled, "the worker did not handle \(after.id) on the new master; stderr: \(worker.process.standardError)")
                #expect(worker.isRunning && ingress.process.isRunning)
            } cleanup: {
                await worker.stop()
                await ingress.stop()
            }
        }
    }
}
