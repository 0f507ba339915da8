import AnimaRedis
import AnimaTestSupport
import Foundation
import NIOCore
import Testing

/// `rediss://` against real redis-servers speaking TLS, with a CA made by the test.
@Suite("Redis over TLS")
struct RedisTLSTests {
    static func configuration(_ url: String, _ tls: RedisTLSConfiguration) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: url)
        configuration.tls = tls
        return configuration
    }

    /// Runs `body` with a client of `configuration`, shut down afterwards.
    static func withTLSClient(_ configuration: RedisConfiguration, _ body: (RedisClient) async throws -> Void) async throws {
        let client = RedisClient(configuration: configuration)
        try await withCleanup({ try await body(client) }, cleanup: { await client.shutdown() })
    }

    @Test func commandsAndPipelinesRoundTripOverVerifiedTLS() async throws {
        let certificates = try TLSCertificates()
        let redis = try await TLSRedisServer(certificates: certificates)
        let configuration = try Self.configuration(redis.url, .init(caFile: certificates.caFile))
        try await Self.withTLSClient(configuration) { client in
            // Larger than one TLS record (16 KiB) each way, so a reply spans several reads.
            let big = String(repeating: "x", count: 100_000)
            _ = try await client.send(RedisCommand("SET", "tls:big", big))
            #expect(try await client.send(RedisCommand("GET", "tls:big")).string == big)
            let replies = try await client.pipeline((0..<200).map { RedisCommand("INCR", "tls:n:\($0 % 3)") })
            #expect(replies.count == 200 && replies.last == .integer(67), "saw \(replies.suffix(3))")
        }
        await redis.stop()
    }

    @Test func aCertificateFromAnUntrustedCAFailsWithTheVerifyReason() async throws {
        let certificates = try TLSCertificates()
        let redis = try await TLSRedisServer(certificates: certificates)
        let configuration = try Self.configuration(redis.url, .init(caFile: certificates.otherCAFile))
        try await Self.withTLSClient(configuration) { client in
            let error = await redisError { _ = try await client.send(RedisCommand("PING")) }
            #expect(error?.code == .tlsFailed, "saw \(String(describing: error))")
            // Redis sends its CA along with its certificate: OpenSSL says "self-signed certificate in
            // certificate chain"; without it, "unable to get local issuer certificate".
            #expect(
                error?.message.contains("TLS handshake failed: certificate verify failed: ") == true,
                "saw \(String(describing: error))"
            )
            #expect(error?.isConnectionProblem == true)
        }
        await redis.stop()
    }

    @Test func theSystemRootsDoNotTrustATestCA() async throws {
        let certificates = try TLSCertificates()
        let redis = try await TLSRedisServer(certificates: certificates)
        try await Self.withTLSClient(try RedisConfiguration(url: redis.url)) { client in
            let error = await redisError { _ = try await client.send(RedisCommand("PING")) }
            #expect(error?.code == .tlsFailed, "verification must be on by default; saw \(String(describing: error))")
        }
        await redis.stop()
    }

    @Test func aServerNameTheCertificateDoesNotCarryFails() async throws {
        let certificates = try TLSCertificates()
        let redis = try await TLSRedisServer(certificates: certificates)
        let configuration = try Self.configuration(redis.url, .init(caFile: certificates.caFile, serverName: "redis.example.com"))
        try await Self.withTLSClient(configuration) { client in
            let error = await redisError { _ = try await client.send(RedisCommand("PING")) }
            #expect(error?.code == .tlsFailed, "saw \(String(describing: error))")
            #expect(error?.message.contains("hostname mismatch") == true, "saw \(String(describing: error))")
        }
        await redis.stop()
    }

    @Test func aServerNameTheCertificateCarriesIsAccepted() async throws {
        let certificates = try TLSCertificates()
        let redis = try await TLSRedisServer(certificates: certificates)
        let configuration = try Self.configuration(redis.url, .init(caFile: certificates.caFile, serverName: "localhost"))
        try await Self.withTLSClient(configuration) { client in
            let reply = try await client.send(RedisCommand("PING"))
            #expect(reply == .status("PONG"))
        }
        await redis.stop()
    }

    @Test func aServerThatRequiresAClientCertificateRefusesAClientWithout() async throws {
        let certificates = try TLSCertificates()
        let redis = try await TLSRedisServer(certificates: certificates, requireClientCertificate: true)
        let configuration = try Self.configuration(redis.url, .init(caFile: certificates.caFile))
        try await Self.withTLSClient(configuration) { client in
            let error = await redisError { _ = try await client.send(RedisCommand("PING")) }
            #expect(error?.isConnectionProblem == true, "saw \(String(describing: error))")
        }
        await redis.stop()
    }

    @Test func aServerThatRequiresAClientCertificateAcceptsTheGivenOne() async throws {
        let certificates = try TLSCertificates()
        let redis = try await TLSRedisServer(certificates: certificates, requireClientCertificate: true)
        let tls = RedisTLSConfiguration(
            caFile: certificates.caFile,
            certificateFile: certificates.clientCertificateFile,
            keyFile: certificates.clientKeyFile
        )
        try await Self.withTLSClient(try Self.configuration(redis.url, tls)) { client in
            let reply = try await client.send(RedisCommand("PING"))
            #expect(reply == .status("PONG"))
        }
        await redis.stop()
    }

    @Test func theClientReconnectsOverTLSAfterARestart() async throws {
        let certificates = try TLSCertificates()
        let redis = try await TLSRedisServer(certificates: certificates)
        let configuration = try Self.configuration(redis.url, .init(caFile: certificates.caFile))
        try await Self.withTLSClient(configuration) { client in
            #expect(try await client.send(RedisCommand("PING")) == .status("PONG"))
            await redis.stop()
            let error = await redisError { _ = try await client.send(RedisCommand("PING")) }
            #expect(error?.isConnectionProblem == true, "saw \(String(describing: error))")
            try await redis.server.start()
            let reply = try await client.send(RedisCommand("PING"))
            #expect(reply == .status("PONG"))
        }
        await redis.stop()
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
