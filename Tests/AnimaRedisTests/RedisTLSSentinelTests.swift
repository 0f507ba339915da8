import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// `rediss-sentinel://`: discovery and failover with TLS to the Sentinel and the data nodes.
@Suite("Redis over TLS through Sentinel")
struct RedisTLSSentinelTests {
    /// A TLS master, replica and Sentinel, and a client on their `rediss-sentinel://` URL
    /// trusting their CA; all stopped afterwards.
    static func withTopologyAndClient(_ body: (TLSSentinelTopology, RedisClient) async throws -> Void) async throws {
        let certificates = try TLSCertificates()
        try await TLSSentinelTopology.run(certificates: certificates) { topology in
            var configuration = try RedisConfiguration(url: topology.url)
            configuration.tls?.caFile = certificates.caFile
            let client = RedisClient(configuration: configuration)
            try await withCleanup({ try await body(topology, client) }, cleanup: { await client.shutdown() })
        }
    }

    @Test func aClientFindsTheMasterAndFollowsAFailoverOverTLS() async throws {
        try await Self.withTopologyAndClient { topology, client in
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
        }
    }

    /// The `+switch-master` watcher subscribes on the Sentinel's TLS port like every other connection.
    @Test func theFailoverWatcherSubscribesToTheSentinelOverTLS() async throws {
        try await Self.withTopologyAndClient { topology, client in
            _ = try await client.send(RedisCommand("PING"))
            var seen: [[String: String]] = []
            let subscribed = await eventually(timeout: TestTime.scaled(.seconds(10)), interval: .milliseconds(50)) {
                seen = (try? await SentinelTopology.clients(on: topology.sentinel.server.port)) ?? []
                return seen.contains { ($0["laddr"] ?? "").hasSuffix(":\(topology.sentinel.tlsPort)") && ($0["sub"] ?? "0") != "0" }
            }
            #expect(subscribed, "no subscriber on the Sentinel's TLS port \(topology.sentinel.tlsPort); clients: \(seen)")
        }
    }
}
