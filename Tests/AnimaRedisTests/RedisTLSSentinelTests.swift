import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// `rediss-sentinel://`: discovery and failover with TLS to the Sentinel and the data nodes.
@Suite("Redis over TLS through Sentinel")
struct RedisTLSSentinelTests {
    @Test func aClientFindsTheMasterAndFollowsAFailoverOverTLS() async throws {
        let certificates = try TLSCertificates()
        try await TLSSentinelTopology.run(certificates: certificates) { topology in
            var configuration = try RedisConfiguration(url: topology.url)
            configuration.tls?.caFile = certificates.caFile
            let client = RedisClient(configuration: configuration)
            try await withCleanup {
                _ = try await client.send(RedisCommand("SET", "tls:sentinel", "before"))
                let first = try await SentinelTopology.send(RedisCommand("GET", "tls:sentinel"), to: topology.nodes[0].server.port)
                #expect(first.string == "before", "the write did not reach the first master: \(first)")
                let new = try await topology.failover()
                var last = ""
                let followed = await eventually(timeout: TestTime.scaled(.seconds(20)), interval: .milliseconds(50)) {
                    do {
                        _ = try await client.send(RedisCommand("SET", "tls:sentinel", "after"))
                        return try await SentinelTopology.send(RedisCommand("GET", "tls:sentinel"), to: new.server.port).string == "after"
                    } catch {
                        last = "\(error)"
                        return false
                    }
                }
                #expect(followed, "the client did not write to the new master over TLS; last error: \(last)")
            } cleanup: {
                await client.shutdown()
            }
        }
    }
}
