import AnimaRedis
import AnimaTestSupport
import Foundation
import NIOCore
import Testing

/// `rediss://` against real redis-servers speaking TLS, with a CA made by the test.
@Suite("Redis over TLS")
struct RedisTLSTests {
    /// Runs `body` with a TLS redis-server (with a CA of its own) and a client of it whose TLS
    /// settings `settings` makes from the certificates; both stopped afterwards.
    static func withTLSServer(
        requireClientCertificate: Bool = false,
        settings: (TLSCertificates) -> RedisTLSConfiguration,
        _ body: (RedisClient, TLSRedisServer) async throws -> Void
    ) async throws {
        let certificates = try TLSCertificates()
        let redis = try await TLSRedisServer(certificates: certificates, requireClientCertificate: requireClientCertificate)
        var configuration = try RedisConfiguration(url: redis.url)
        configuration.tls = settings(certificates)
        let client = RedisClient(configuration: configuration)
        try await withCleanup({ try await body(client, redis) }) {
            await client.shutdown()
            await redis.stop()
        }
    }

    /// The error of a PING, which must fail.
    static func failedPing(_ client: RedisClient) async -> RedisError? {
        await redisError { _ = try await client.send(RedisCommand("PING")) }
    }

    @Test func commandsAndPipelinesRoundTripOverVerifiedTLS() async throws {
        try await Self.withTLSServer(settings: { .init(caFile: $0.caFile) }) { client, _ in
            // Larger than one TLS record (16 KiB) each way, so a reply spans several reads.
            let big = String(repeating: "x", count: 100_000)
            _ = try await client.send(RedisCommand("SET", "tls:big", big))
            #expect(try await client.send(RedisCommand("GET", "tls:big")).string == big)
            let replies = try await client.pipeline((0..<200).map { RedisCommand("INCR", "tls:n:\($0 % 3)") })
            #expect(replies.count == 200 && replies.last == .integer(67), "saw \(replies.suffix(3))")
        }
    }

    @Test func aCertificateFromAnUntrustedCAFailsWithTheVerifyReason() async throws {
        try await Self.withTLSServer(settings: { .init(caFile: $0.otherCAFile) }) { client, _ in
            let error = await Self.failedPing(client)
            #expect(error?.code == .tlsFailed, "saw \(String(describing: error))")
            // Redis sends its CA along with its certificate: OpenSSL says "self-signed certificate in
            // certificate chain"; without it, "unable to get local issuer certificate".
            #expect(
                error?.message.contains("TLS handshake failed: certificate verify failed: ") == true,
                "saw \(String(describing: error))"
            )
            #expect(error?.isConnectionProblem == true)
        }
    }

    @Test func theSystemRootsDoNotTrustATestCA() async throws {
        try await Self.withTLSServer(settings: { _ in .init() }) { client, _ in
            let error = await Self.failedPing(client)
            #expect(error?.code == .tlsFailed, "verification must be on by default; saw \(String(describing: error))")
        }
    }

    @Test func aServerNameTheCertificateDoesNotCarryFails() async throws {
        try await Self.withTLSServer(settings: { .init(caFile: $0.caFile, serverName: "redis.example.com") }) { client, _ in
            let error = await Self.failedPing(client)
            #expect(error?.code == .tlsFailed, "saw \(String(describing: error))")
            #expect(error?.message.contains("hostname mismatch") == true, "saw \(String(describing: error))")
        }
    }

    @Test func aServerNameTheCertificateCarriesIsAccepted() async throws {
        try await Self.withTLSServer(settings: { .init(caFile: $0.caFile, serverName: "localhost") }) { client, _ in
            let reply = try await client.send(RedisCommand("PING"))
            #expect(reply == .status("PONG"))
        }
    }

    @Test func aServerThatRequiresAClientCertificateRefusesAClientWithout() async throws {
        try await Self.withTLSServer(requireClientCertificate: true, settings: { .init(caFile: $0.caFile) }) { client, _ in
            let error = await Self.failedPing(client)
            #expect(error?.isConnectionProblem == true, "saw \(String(describing: error))")
        }
    }

    @Test func aServerThatRequiresAClientCertificateAcceptsTheGivenOne() async throws {
        let settings = { (certificates: TLSCertificates) in
            RedisTLSConfiguration(
                caFile: certificates.caFile,
                certificateFile: certificates.clientCertificateFile,
                keyFile: certificates.clientKeyFile
            )
        }
        try await Self.withTLSServer(requireClientCertificate: true, settings: settings) { client, _ in
            let reply = try await client.send(RedisCommand("PING"))
            #expect(reply == .status("PONG"))
        }
    }

    @Test func aRedissURLToAPlainRedisPortTimesOutAskingWhetherItIsATLSPort() async throws {
        try await Self.withTLSServer(settings: { .init(caFile: $0.caFile) }) { _, redis in
            var configuration = try RedisConfiguration(url: "rediss://127.0.0.1:\(redis.server.port)/0")
            configuration.tls = RedisTLSConfiguration()
            let plain = RedisClient(configuration: configuration)
            let error = await Self.failedPing(plain)
            await plain.shutdown()
            #expect(error?.code == .timeout && error?.message.contains("is it a TLS port?") == true, "saw \(String(describing: error))")
        }
    }

    @Test func theClientReconnectsOverTLSAfterARestart() async throws {
        try await Self.withTLSServer(settings: { .init(caFile: $0.caFile) }) { client, redis in
            _ = try await client.send(RedisCommand("PING"))
            await redis.stop()
            let error = await Self.failedPing(client)
            // A server gone without TLS's close_notify is a lost connection, not a TLS failure.
            #expect(error?.code == .connectionLost, "saw \(String(describing: error))")
            try await redis.server.start()
            let reply = try await client.send(RedisCommand("PING"))
            #expect(reply == .status("PONG"))
        }
    }

    @Test func aMissingCAFileIsASettingsError() throws {
        let tls = RedisTLSConfiguration(caFile: "/nonexistent/anima-ca.pem")
        #expect {
            try tls.load()
        } throws: { error in
            let error = error as? RedisError
            return error?.code == .tlsSettings && error?.message.contains("/nonexistent/anima-ca.pem") == true
        }
    }

    @Test func aKeyThatDoesNotMatchTheCertificateIsASettingsError() throws {
        let certificates = try TLSCertificates()
        let tls = RedisTLSConfiguration(certificateFile: certificates.clientCertificateFile, keyFile: certificates.serverKeyFile)
        #expect(throws: RedisError.self) { try tls.load() }
    }
}
