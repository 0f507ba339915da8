import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// How accepted events reach Redis through the real binary (its settings, concurrent
/// connections), and what happens when Redis cannot take them. Bodies queued as they are and
/// the 503 when Redis is down are tested in-process (`IngressAppWebhookTests`).
@Suite("Ingress: queueing")
struct IngressQueueTests {
    @Test func keyPrefixIsRespected() async throws {
        try await IngressFixture.run(environment: ["ANIMA_KEY_PREFIX": "tenant7"]) { f in
            let body = eventBody()
            let answer = try await f.post(body)
            #expect(answer.status == 200, "saw \(answer.summary)")
            #expect(try await f.queued("tenant7:events") == [body], "not on tenant7:events")
            #expect(try await f.queued("anima:events").isEmpty, "also pushed to anima:events")
        }
    }

    @Test func fiftyConcurrentSignedRequestsAreAllQueued() async throws {
        try await IngressFixture.run { f in
            let bodies = (0..<50).map { _ in eventBody() }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for body in bodies {
                    group.addTask { try await f.post(body, timeout: .seconds(20)).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 50, "statuses: \(statuses.sorted())")
            let queued = try await f.queued()
            #expect(Set(queued) == Set(bodies) && queued.count == 50, "expected the 50 bodies once each, saw \(queued.count) entries")
        }
    }

    @Test func maxPendingRefusesTheEventBeyondTheLimit() async throws {
        try await IngressFixture.run(environment: ["ANIMA_MAX_PENDING": "2"]) { f in
            let bodies = (0..<3).map { _ in eventBody() }
            var answers: [HTTPAnswer] = []
            for body in bodies { answers.append(try await f.post(body)) }
            #expect(answers[0].status == 200 && answers[1].status == 200, "first two: \(answers.prefix(2).map(\.summary))")
            #expect(answers[2].status == 503 && answers[2].text == Answers.unavailable, "third: \(answers[2].summary)")
            #expect(answers[2].header("retry-after") != nil, "no Retry-After on the 503")
            #expect(try await f.queued() == Array(bodies.prefix(2)), "expected only the first two queued")
        }
    }

    @Test func redisThatHangsGives503WhenThePushTimeoutPasses() async throws {
        let silent = SilentListener()
        defer { silent.close() }
        let ingress = try await IngressProcess(
            redisURL: "redis://127.0.0.1:\(silent.port)/0",
            environment: ["ANIMA_PUSH_TIMEOUT_SECONDS": "0.5"]
        )
        // The request's own timeout bounds the wait; a Redis waited on for good makes it throw.
        let answer = try await ingress.postSigned(eventBody(), timeout: .seconds(10))
        await ingress.stop()
        #expect(
            answer.status == 503 && answer.text == Answers.unavailable,
            "expected 503 \(Answers.unavailable), saw \(answer.summary)"
        )
        // The mechanism: the 0.5 s push timeout answered, not the 2 s default.
        let log = ingress.process.standardError
        #expect(log.contains("did not answer within 0.5 seconds"), "expected the 0.5 s timeout in the log, saw:\n\(log)")
    }

    @Test func redisBackOnTheSamePortIsUsedWithoutRestartingTheIngress() async throws {
        try await IngressFixture.run { f in
            #expect(try await f.post(eventBody()).status == 200)
            await f.redis.stop()
            let down = try await f.post(eventBody())
            #expect(down.status == 503, "while down: \(down.summary)")
            try await f.redis.start()
            let body = eventBody()
            var last: HTTPAnswer?
            let back = try await eventually(timeout: .seconds(10), interval: .milliseconds(100)) {
                last = try await f.post(body)
                return last?.status == 200
            }
            #expect(back, "never 200 again after Redis came back; last answer \(last?.summary ?? "none")")
            #expect(try await f.queued().contains(body), "the event accepted after the restart is not queued")
        }
    }

    @Test func wrongRedisPasswordGives503AndKeepsRunning() async throws {
        let redis = try await RedisServer(password: "right")
        let ingress = try await IngressProcess(redisURL: "redis://:wrong@127.0.0.1:\(redis.port)/0")
        let answer = try await ingress.postSigned(eventBody())
        let ready = try await ingress.http.request("GET", "/readyz")
        #expect(answer.status == 503 && answer.text == Answers.unavailable, "saw \(answer.summary)")
        #expect(ready.status == 503, "/readyz: \(ready.summary)")
        #expect(ingress.process.isRunning, "the ingress stopped on a wrong password")
        #expect(!ingress.process.standardError.contains("wrong"), "a log line shows the password")
        await ingress.stop()
        await redis.stop()
    }
}
