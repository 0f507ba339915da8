import AnimaRedis
import Testing

/// `rediss://` and `rediss-sentinel://` parsed.
@Suite("Redis URLs with TLS")
struct RedisTLSURLTests {
    @Test func redissIsTCPWithTLSVerifiedAgainstTheSystemRoots() throws {
        let configuration = try RedisConfiguration(url: "rediss://:secret@cache.example.com:6380/2")
        #expect(configuration.endpoint == .tcp(host: "cache.example.com", port: 6380))
        #expect(configuration.tls == RedisTLSConfiguration())
        #expect(configuration.password == "secret" && configuration.database == 2)
        #expect(configuration.description == "rediss://:***@cache.example.com:6380/2")
    }

    @Test func redisIsPlain() throws {
        #expect(try RedisConfiguration(url: "redis://127.0.0.1:6379/0").tls == nil)
        #expect(try RedisConfiguration(url: "redis-sentinel://127.0.0.1:26379/m").tls == nil)
    }

    @Test func redissSentinelIsTheSentinelFormWithTLS() throws {
        let configuration = try RedisConfiguration(url: "rediss-sentinel://:pw@s1:26380,s2/anima/1?sentinel_password=sp")
        guard case .sentinel(let sentinel) = configuration.endpoint else {
            Issue.record("expected a Sentinel endpoint, saw \(configuration.endpoint)")
            return
        }
        #expect(sentinel.sentinels.map(\.description) == ["s1:26380", "s2:26379"])
        #expect(sentinel.masterName == "anima" && sentinel.password == "sp" && configuration.database == 1)
        #expect(configuration.tls == RedisTLSConfiguration())
        #expect(configuration.description.hasPrefix("rediss-sentinel://:***@s1:26380,s2:26379/anima/1"))
    }
}
