import AnimaIngress
import AnimaTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// `POST /webhooks/anima` of the ingress application, in-process against a real Redis: what
/// each request is answered, and what reaches the events list.
@Suite("Ingress app: webhooks", .sharedRedis)
struct IngressAppWebhookTests {
    @Test func signedEventIsAnswered200AndQueuedByteForByte() async throws {
        try await IngressAppFixture.run { f in
            let body = eventBody()
            let answer = try await f.post(body)
            #expect(answer.status == .ok && answer.text == Answers.received, "expected 200 \(Answers.received), saw \(answer.summary)")
            let contentType = answer.headers[.contentType]
            #expect(
                contentType?.hasPrefix("application/json") == true, "expected content-type application/json, saw \(contentType ?? "none")")
            let queued = try await f.queued()
            #expect(
                queued == [body], "expected exactly the body on the events list, saw \(queued.map { String(decoding: $0, as: UTF8.self) })")
        }
    }

    @Test func binaryBodyIsQueuedAsItIs() async throws {
        try await IngressAppFixture.run { f in
            let body: [UInt8] = Array(0...255) + [0, 0, 13, 10]
            let answer = try await f.post(body)
            #expect(answer.status == .ok, "expected 200, saw \(answer.summary)")
            let queued = try await f.queued()
            #expect(queued == [body], "expected the 260 bytes sent on the events list, saw \(queued.map(\.count)) bytes")
        }
    }

    @Test(arguments: ["not json at all {", "", "[1,2,3]"])
    func bodyThatIsNoJSONEventIsQueuedAsItIs(text: String) async throws {
        try await IngressAppFixture.run { f in
            let body = Array(text.utf8)
            let answer = try await f.post(body)
            #expect(answer.status == .ok, "body '\(text)': expected 200, saw \(answer.summary)")
            let queued = try await f.queued()
            #expect(queued == [body], "expected '\(text)' on the events list, saw \(queued.map { String(decoding: $0, as: UTF8.self) })")
        }
    }

    @Test func upperCaseSignatureIsAccepted() async throws {
        try await IngressAppFixture.run { f in
            let body = eventBody()
            let answer = try await f.post(body, signature: f.signedHeaders(for: body)[1].1.uppercased())
            #expect(answer.status == .ok, "expected 200, saw \(answer.summary)")
        }
    }

    /// Every way a signature can be wrong, with a valid timestamp.
    static let badSignatures: [(name: String, make: @Sendable (_ good: String, _ body: [UInt8]) -> String?)] = [
        ("wrong secret", { _, body in TestSigning.headers(for: body, secret: "not-the-secret")[1].1 }),
        ("missing", { _, _ in nil }),
        ("empty", { _, _ in "" }),
        ("not hex", { _, _ in String(repeating: "x", count: 64) }),
        ("63 digits", { good, _ in String(good.dropLast()) }),
        ("65 digits", { good, _ in good + "0" }),
        ("prefixed", { good, _ in "sha256=" + good }),
        ("flipped digit", { good, _ in String(good.dropLast()) + (good.last == "0" ? "1" : "0") }),
    ]

    @Test(arguments: badSignatures.map(\.name))
    func badSignatureIsAnswered401AndNotQueued(name: String) async throws {
        let make = try #require(Self.badSignatures.first { $0.name == name }?.make)
        try await IngressAppFixture.run { f in
            let body = eventBody()
            let answer = try await f.post(body, signature: .some(make(f.signedHeaders(for: body)[1].1, body)))
            #expect(
                answer.status == .unauthorized && answer.text == Answers.invalidSignature,
                "signature \(name): expected 401 \(Answers.invalidSignature), saw \(answer.summary)"
            )
            let queued = try await f.queued()
            #expect(queued.isEmpty, "signature \(name): expected nothing on the events list, saw \(queued.count) entries")
        }
    }

    /// Timestamps that are never accepted: missing, not plain decimal digits, or beyond the
    /// default 300 s tolerance either way.
    static func badTimestamps(now: Int64) -> [(name: String, value: String?)] {
        [
            ("missing", nil), ("empty", ""), ("negative", "-5"), ("plus", "+5"), ("decimal", "1.5"),
            ("hex", "0x10"), ("letters", "abc"), ("huge", String(repeating: "9", count: 40)),
            ("old", String(now - 400)), ("future", String(now + 400)), ("zero", "0"),
        ]
    }

    @Test(arguments: badTimestamps(now: 0).map(\.name))
    func badTimestampIsAnswered401WhateverTheSignature(name: String) async throws {
        try await IngressAppFixture.run { f in
            let body = eventBody()
            let timestamp = try #require(Self.badTimestamps(now: TestSigning.now()).first { $0.name == name }).value
            for signature in [nil, "bad", String(repeating: "0", count: 64)] as [String?] {
                let answer = try await f.post(body, timestamp: .some(timestamp), signature: .some(signature))
                #expect(
                    answer.status == .unauthorized && answer.text == Answers.timestamp,
                    "timestamp \(name), signature \(signature ?? "none"): expected 401 \(Answers.timestamp), saw \(answer.summary)"
                )
            }
            let queued = try await f.queued()
            #expect(queued.isEmpty, "timestamp \(name): expected nothing on the events list, saw \(queued.count) entries")
        }
    }

    @Test func oldTimestampWithAValidSignatureIsAnswered401() async throws {
        try await IngressAppFixture.run { f in
            let body = eventBody()
            let headers = f.signedHeaders(for: body, timestamp: TestSigning.now() - 3600)
            let answer = try await f.request(.post, "/webhooks/anima", headers: headers, body: body)
            #expect(
                answer.status == .unauthorized && answer.text == Answers.timestamp,
                "signed an hour ago: expected 401 \(Answers.timestamp), saw \(answer.summary)"
            )
        }
    }

    @Test func bodyAtTheLimitIsAccepted() async throws {
        try await IngressAppFixture.run(configure: { $0.maxBodyBytes = 1000 }) { f in
            let body = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
            let answer = try await f.post(body)
            #expect(answer.status == .ok, "1000 bytes with a 1000-byte limit: expected 200, saw \(answer.summary)")
        }
    }

    @Test func bodyOverTheLimitIsAnswered413AndNotQueued() async throws {
        try await IngressAppFixture.run(configure: { $0.maxBodyBytes = 1000 }) { f in
            let answer = try await f.post([UInt8](repeating: UInt8(ascii: "b"), count: 1001))
            #expect(answer.status == .contentTooLarge, "1001 bytes with a 1000-byte limit: expected 413, saw \(answer.summary)")
            let queued = try await f.queued()
            #expect(queued.isEmpty, "expected nothing on the events list, saw \(queued.count) entries")
        }
    }

    @Test func redisDownIsAnswered503WithRetryAfter() async throws {
        try await IngressAppFixture.run(ownRedis: true) { f in
            await f.redis.stop()
            let answer = try await f.post(eventBody())
            #expect(
                answer.status == .serviceUnavailable && answer.text == Answers.unavailable,
                "expected 503 \(Answers.unavailable), saw \(answer.summary)"
            )
            let retryAfter = answer.headers[.retryAfter]
            #expect(
                retryAfter == String(f.configuration.retryAfterSeconds),
                "expected Retry-After: \(f.configuration.retryAfterSeconds), saw \(retryAfter ?? "none")"
            )
        }
    }
}
