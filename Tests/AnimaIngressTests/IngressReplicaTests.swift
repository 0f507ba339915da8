import AnimaRedis
import AnimaTestSupport
import Foundation
import NIOCore
import Testing

/// `ANIMA_MIN_REPLICAS`: the real ingress on a `redis-sentinel://` URL answers 200 only once
/// `WAIT` saw enough replicas hold the event, and `/readyz` follows the replicas connected.
@Suite("Ingress: minimum replicas")
struct IngressReplicaTests {
    /// A topology, an ingress in front of it with `ANIMA_MIN_REPLICAS=minReplicas` and
    /// `ANIMA_PUSH_TIMEOUT_SECONDS=pushTimeout`, stopped afterwards whatever happens.
    ///
    /// A test that expects a 200 gives the push a generous bound (a machine busy with the whole
    /// suite can take more than a second); one that expects the bound to pass gives a short one.
    private func withIngress(
        replicas: Int = 1,
        minReplicas: Int,
        pushTimeout: Duration,
        _ body: (SentinelTopology, IngressProcess) async throws -> Void
    ) async throws {
        try await SentinelTopology.run(replicas: replicas, sentinels: 1) { t in
            let ingress = try await IngressProcess(
                redisURL: t.url,
                environment: [
                    "ANIMA_MIN_REPLICAS": String(minReplicas),
                    "ANIMA_PUSH_TIMEOUT_SECONDS": String(TestTime.scaled(pushTimeout).components.seconds),
                ]
            )
            try await withCleanup {
                try await body(t, ingress)
            } cleanup: {
                await ingress.stop()
            }
        }
    }

    @Test func oneReplicaRequiredAnswers200WithTheEventAlreadyOnTheReplica() async throws {
        try await withIngress(minReplicas: 1, pushTimeout: .seconds(10)) { t, ingress in
            let body = eventBody()
            let answer = try await ingress.postSigned(body)
            #expect(answer.status == 200 && answer.text == Answers.received, "expected 200 \(Answers.received), saw \(answer.summary)")
            // WAIT counted the replica only once it had applied the push: no waiting here.
            let onReplica = try await events(on: t.replicas[0].port)
            #expect(onReplica.contains(body), "the accepted event is not on the replica \(t.replicas[0].port): \(onReplica.count) entries")
        }
    }

    @Test func frozenReplicaGets503WithRetryAfter() async throws {
        try await withIngress(minReplicas: 1, pushTimeout: .seconds(1)) { t, ingress in
            // The 1 s push bound can pass on a busy machine even with the replica up: retry.
            var warm: HTTPAnswer?
            let warmedUp = try await eventually(timeout: .seconds(20), interval: .milliseconds(100)) {
                warm = try await ingress.postSigned(eventBody())
                return warm?.status == 200
            }
            try #require(warmedUp, "setup: expected 200 with the replica up, last saw \(warm?.summary ?? "none")")
            t.pause(t.replicas[0])
            let answer = try await ingress.postSigned(eventBody())
            t.resume(t.replicas[0])
            #expect(
                answer.status == 503 && answer.text == Answers.unavailable, "expected 503 \(Answers.unavailable), saw \(answer.summary)")
            #expect(
                Int(answer.header("retry-after") ?? "") != nil,
                "expected a numeric Retry-After, saw \(String(describing: answer.header("retry-after")))")
            #expect(ingress.process.isRunning, "the ingress stopped")
        }
    }

    @Test func twoReplicasRequiredWithOnlyOneAnswers503() async throws {
        try await withIngress(minReplicas: 2, pushTimeout: .seconds(1)) { _, ingress in
            let answer = try await ingress.postSigned(eventBody())
            #expect(
                answer.status == 503 && answer.text == Answers.unavailable, "expected 503 \(Answers.unavailable), saw \(answer.summary)")
            #expect(
                Int(answer.header("retry-after") ?? "") != nil,
                "expected a numeric Retry-After, saw \(String(describing: answer.header("retry-after")))")
        }
    }

    @Test func readyzIs503WithFewerReplicasConnectedThanRequired() async throws {
        try await withIngress(minReplicas: 2, pushTimeout: .seconds(1)) { _, ingress in
            let ready = try await ingress.http.request("GET", "/readyz")
            #expect(ready.status == 503, "expected /readyz 503 with 1 of 2 replicas, saw \(ready.summary)")
        }
    }

    @Test func readyzFollowsTheReplicaGoingAwayAndComingBack() async throws {
        try await withIngress(minReplicas: 1, pushTimeout: .seconds(1)) { t, ingress in
            let replica = t.replicas[0]
            var last: HTTPAnswer?
            let readyAtStart = try await eventually(timeout: .seconds(20), interval: .milliseconds(50)) {
                last = try await ingress.http.request("GET", "/readyz")
                return last?.status == 200
            }
            try #require(readyAtStart, "setup: expected /readyz 200 with the replica online, last saw \(last?.summary ?? "none")")

            await replica.stop()
            let notReady = try await eventually(timeout: .seconds(20), interval: .milliseconds(50)) {
                last = try await ingress.http.request("GET", "/readyz")
                return last?.status == 503
            }
            #expect(notReady, "expected /readyz 503 with the only replica stopped, last saw \(last?.summary ?? "none")")

            try await replica.start(timeout: .seconds(30))
            let readyAgain = try await eventually(timeout: .seconds(20), interval: .milliseconds(50)) {
                last = try await ingress.http.request("GET", "/readyz")
                return last?.status == 200
            }
            #expect(readyAgain, "expected /readyz 200 once the replica is back, last saw \(last?.summary ?? "none")")
        }
    }

    @Test func readyzIs503WhileNoMasterIsReachable() async throws {
        // No replica: Sentinel has nothing to promote, so the master stays gone.
        try await withIngress(replicas: 0, minReplicas: 0, pushTimeout: .seconds(1)) { t, ingress in
            let ready = try await ingress.http.request("GET", "/readyz")
            try #require(ready.status == 200, "setup: expected /readyz 200 with the master up, saw \(ready.summary)")
            try await t.killMaster()
            var last: HTTPAnswer?
            let notReady = try await eventually(timeout: .seconds(20), interval: .milliseconds(50)) {
                last = try await ingress.http.request("GET", "/readyz")
                return last?.status == 503
            }
            #expect(notReady, "expected /readyz 503 with the master killed, last saw \(last?.summary ?? "none")")
            #expect(ingress.process.isRunning, "the ingress stopped when the master went away")
        }
    }

    /// The entries of `anima:events` on the node at `port`, read directly.
    private func events(on port: Int) async throws -> [[UInt8]] {
        let reply = try await SentinelTopology.send(RedisCommand("LRANGE", "anima:events", 0, -1), to: port)
        return (reply.array ?? []).compactMap { $0.bytes.map { Array(buffer: $0) } }
    }
}
