import AnimaRedis
import AnimaTestSupport
import Foundation
import NIOCore
import Testing

/// A fresh `redis-server` and a real `anima-ingress` in front of it, for one test; both are
/// stopped afterwards, whatever happens.
struct IngressFixture {
    let redis: RedisServer
    let ingress: IngressProcess
    let client: RedisClient

    var http: HTTPTestClient { ingress.http }

    static func run(
        secrets: [String] = [IngressProcess.defaultSecret],
        environment: [String: String] = [:],
        _ body: (IngressFixture) async throws -> Void
    ) async throws {
        let redis = try await RedisServer()
        let ingress = try await IngressProcess(redisURL: redis.url, secrets: secrets, environment: environment)
        let client = RedisClient(configuration: try RedisConfiguration(url: redis.url))
        let fixture = IngressFixture(redis: redis, ingress: ingress, client: client)
        try await withCleanup {
            try await body(fixture)
        } cleanup: {
            await fixture.tearDown()
        }
    }

    private func tearDown() async {
        await client.shutdown()
        await ingress.stop()
        await redis.stop()
    }

    /// The entries of `key` (default `anima:events`), oldest first.
    func queued(_ key: String = "anima:events") async throws -> [[UInt8]] {
        let reply = try await client.send(RedisCommand("LRANGE", key, 0, -1))
        let entries = reply.array?.compactMap { $0.bytes.map { Array(buffer: $0) } } ?? []
        return entries.reversed()  // LPUSH puts the newest first
    }

    /// A signed POST to `/webhooks/anima` with `headers` replaced as given (nil removes one).
    func post(
        _ body: [UInt8],
        timestamp: String?? = nil,
        signature: String?? = nil,
        extra: [(String, String)] = [],
        timeout: Duration = .seconds(10)
    ) async throws -> HTTPAnswer {
        let signed = ingress.signedHeaders(for: body)
        var headers: [(String, String)] = []
        if let value = timestamp ?? signed.first(where: { $0.0 == "x-anima-timestamp" })?.1 {
            headers.append(("x-anima-timestamp", value))
        }
        if let value = signature ?? signed.first(where: { $0.0 == "x-anima-signature" })?.1 {
            headers.append(("x-anima-signature", value))
        }
        return try await http.request("POST", "/webhooks/anima", headers: headers + extra, body: body, timeout: timeout)
    }
}

/// A JSON event body, unique per call.
func eventBody(_ type: String = "test.event") -> [UInt8] {
    Array(#"{"id":"evt_\#(UUID().uuidString)","type":"\#(type)","data":{"n":1}}"#.utf8)
}

extension HTTPAnswer {
    /// `status body`, for failure messages.
    var summary: String { "\(status) \(text)" }
}

enum Answers {
    static let received = #"{"received":true}"#
    static let invalidSignature = #"{"error":"Invalid signature"}"#
    static let timestamp = #"{"error":"Timestamp outside tolerance"}"#
    static let unavailable = #"{"error":"Queue unavailable"}"#
}
