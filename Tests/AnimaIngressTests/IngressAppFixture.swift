import AnimaIngress
import AnimaRedis
import AnimaTestSupport
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The ingress application built by ``buildIngressApplication(configuration:logger:onServerRunning:)``,
/// the builder `anima-ingress` runs, driven in-process against a real `redis-server`: the
/// suite's shared one (``SharedRedisTrait``) under a key prefix of the test's own, or, for a
/// test that stops Redis, a fresh one stopped afterwards whatever happens.
///
/// HummingbirdTesting's `.live` mode: the application's own server runs on a free port, so
/// every request goes through the pipeline production runs (``WebhookHTTP1Channel`` and its
/// `WebhookChannelHandler`), never around it as the router mode would. ``client`` sends whole
/// requests; ``http`` writes raw bytes (pipelining, half-close, chunked bodies).
struct IngressAppFixture: Sendable {
    static let secret = "whsec_ingress_app_test"

    let redis: RedisServer
    let configuration: IngressConfiguration
    /// A client of the test's own, to read what the ingress pushed.
    let inspector: RedisClient
    let client: any TestClientProtocol
    /// A raw HTTP/1.1 client of the same server.
    let http: HTTPTestClient

    /// - Parameters:
    ///   - ownRedis: start a server for this test alone (one the test may stop) instead of
    ///     using the suite's shared one.
    ///   - configure: changes to the contract's defaults (`maxBodyBytes`, ...).
    static func run(
        ownRedis: Bool = false,
        configure: (inout IngressConfiguration) -> Void = { _ in },
        _ body: @Sendable (IngressAppFixture) async throws -> Void
    ) async throws {
        let shared = ownRedis ? nil : SharedRedisTrait.server
        if !ownRedis && shared == nil { Issue.record("no shared redis-server: give the suite the .sharedRedis trait") }
        let redis: RedisServer
        if let shared { redis = shared } else { redis = try await RedisServer() }
        let redisConfiguration = try RedisConfiguration(url: redis.url)
        var configuration = IngressConfiguration(port: 0, redis: redisConfiguration, secrets: [secret])
        configuration.keyPrefix = "t" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        // Generous: a loaded machine must not turn a push into a 503. Tests of the timeout set their own.
        configuration.pushTimeout = .seconds(30)
        configuration.redis.commandTimeout = .seconds(30)
        configure(&configuration)
        let inspector = RedisClient(configuration: redisConfiguration)
        var logger = Logger(label: "ingress-app-test")
        logger.logLevel = .warning
        let app = buildIngressApplication(configuration: configuration, logger: logger)
        try await withCleanup {
            try await app.test(.live) { [configuration] client in
                let port = try #require(client.port, "the live test server has no port")
                let fixture = IngressAppFixture(
                    redis: redis,
                    configuration: configuration,
                    inspector: inspector,
                    client: client,
                    http: HTTPTestClient(port: port)
                )
                try await body(fixture)
            }
        } cleanup: {
            await inspector.shutdown()
            if shared == nil { await redis.stop() }
        }
    }

    /// The entries of the events list (`anima:events` under the test's prefix), oldest first.
    func queued() async throws -> [[UInt8]] {
        let reply = try await inspector.send(RedisCommand("LRANGE", "\(configuration.keyPrefix):events", 0, -1))
        let entries = reply.array?.compactMap { $0.bytes.map { Array(buffer: $0) } } ?? []
        return entries.reversed()  // LPUSH puts the newest first
    }

    /// `x-anima-timestamp` and `x-anima-signature` for `body`, signed with `secret` at `timestamp`.
    func signedHeaders(
        for body: [UInt8],
        secret: String = IngressAppFixture.secret,
        timestamp: Int64 = TestSigning.now()
    ) -> [(String, String)] {
        TestSigning.headers(for: body, secret: secret, timestamp: timestamp)
    }

    /// A POST to `/webhooks/anima`, signed now unless `timestamp` or `signature` replace a
    /// header (`.some(nil)` leaves it out).
    func post(
        _ body: [UInt8],
        timestamp: String?? = nil,
        signature: String?? = nil,
        path: String = "/webhooks/anima"
    ) async throws -> TestResponse {
        let signed = signedHeaders(for: body)
        var headers: [(String, String)] = []
        if let value = timestamp ?? signed[0].1 { headers.append((signed[0].0, value)) }
        if let value = signature ?? signed[1].1 { headers.append((signed[1].0, value)) }
        return try await request(.post, path, headers: headers, body: body)
    }

    func request(
        _ method: HTTPRequest.Method,
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil
    ) async throws -> TestResponse {
        var fields = HTTPFields()
        for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return try await client.execute(uri: path, method: method, headers: fields, body: body.map { ByteBuffer(bytes: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    /// `status body`, for failure messages.
    var summary: String { "\(status.code) \(text)" }
}
