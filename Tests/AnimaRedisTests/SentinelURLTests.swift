import AnimaRedis
import Testing

@Suite("RedisConfiguration(url:) with redis-sentinel://")
struct SentinelURLTests {
    func sentinel(_ url: String) throws -> (RedisConfiguration, RedisSentinelEndpoint) {
        let configuration = try RedisConfiguration(url: url)
        guard case .sentinel(let endpoint) = configuration.endpoint else {
            Issue.record("expected a Sentinel endpoint for \(url), saw \(configuration.endpoint)")
            throw RedisError(.invalidURL, "not a Sentinel endpoint")
        }
        return (configuration, endpoint)
    }

    func failure(_ url: String) -> RedisError? {
        do {
            _ = try RedisConfiguration(url: url)
            return nil
        } catch {
            return error
        }
    }

    @Test func sentinelsAndMasterNameAreRead() throws {
        let (c, s) = try sentinel("redis-sentinel://10.0.0.1:26379,10.0.0.2:26380,sentinel-3/anima")
        let expected: [RedisSentinelEndpoint.Address] = [
            .init(host: "10.0.0.1", port: 26379), .init(host: "10.0.0.2", port: 26380), .init(host: "sentinel-3", port: 26379),
        ]
        #expect(s.sentinels == expected, "expected \(expected), saw \(s.sentinels)")
        #expect(s.masterName == "anima", "expected master 'anima', saw '\(s.masterName)'")
        #expect(c.database == 0 && c.password == nil && s.password == nil)
    }

    @Test func databaseFollowsTheMasterName() throws {
        let (c, s) = try sentinel("redis-sentinel://127.0.0.1:26379/mymaster/3")
        #expect(c.database == 3, "expected db 3, saw \(c.database)")
        #expect(s.masterName == "mymaster")
    }

    @Test func userInfoIsTheDataNodesAndTheQueryTheSentinels() throws {
        let (c, s) = try sentinel("redis-sentinel://app:dat%40pw@[::1]:26379/anima?sentinel_password=s%26p&sentinel_user=watch")
        #expect(
            c.username == "app" && c.password == "dat@pw",
            "saw data node credentials \(String(describing: c.username)) / \(String(describing: c.password))")
        #expect(
            s.password == "s&p" && s.username == "watch",
            "saw Sentinel credentials \(String(describing: s.username)) / \(String(describing: s.password))")
        #expect(s.sentinels == [.init(host: "::1", port: 26379)], "saw \(s.sentinels)")
    }

    @Test func descriptionHidesBothPasswords() throws {
        let (c, _) = try sentinel("redis-sentinel://:datapw@127.0.0.1:26379/anima?sentinel_password=sentinelpw")
        let text = "\(c)"
        #expect(!text.contains("datapw") && !text.contains("sentinelpw"), "a password shows in '\(text)'")
        #expect(text.hasPrefix("redis-sentinel://:***@127.0.0.1:26379/anima/0"), "saw '\(text)'")
    }

    @Test(arguments: [
        ("redis-sentinel://127.0.0.1:26379", "master's name is missing"),
        ("redis-sentinel://127.0.0.1:26379/", "master's name is missing"),
        ("redis-sentinel:///anima", "no Sentinel address given"),
        ("redis-sentinel://:26379/anima", "host is missing"),
        ("redis-sentinel://127.0.0.1:26379,,127.0.0.1:26380/anima", "empty Sentinel address"),
        ("redis-sentinel://127.0.0.1:99999/anima", "port must be 1–65535"),
        ("redis-sentinel://127.0.0.1:26379/anima/x", "must be a number"),
        ("redis-sentinel://127.0.0.1:26379/anima/0/extra", "expected /MASTER or /MASTER/DB"),
        ("redis-sentinel://127.0.0.1:26379/anima?password=x", "unknown parameter 'password'"),
    ])
    func badFormsAreOneClearError(url: String, reason: String) {
        let error = failure(url)
        #expect(error?.code == .invalidURL, "expected invalidURL for \(url), saw \(String(describing: error))")
        #expect(
            error?.message.contains(reason) == true, "expected '\(reason)' in the error for \(url), saw '\(error?.message ?? "no error")'")
    }

    @Test func aSentinelPasswordNeverShowsInAnError() {
        let error = failure("redis-sentinel://:topsecret@127.0.0.1:26379/")
        #expect(error != nil && !(error?.message.contains("topsecret") ?? true), "saw '\(error?.message ?? "no error")'")
    }
}

@Suite("Failover error replies")
struct FailoverReplyTests {
    @Test(arguments: [
        "READONLY You can't write against a read only replica.",
        "LOADING Redis is loading the dataset in memory",
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)",
        "ERR Error running script (call to f_1234): @user_script:1: @user_script: 1: -READONLY You can't write against a read only replica. ",
    ])
    func dropAndRediscover(message: String) {
        let error = RedisError.reply(message, to: "LPUSH")
        #expect(error.code == .failover, "expected failover for '\(message)', saw \(error.code)")
        #expect(error.isConnectionProblem, "a failover must count as a connection problem")
    }

    @Test(arguments: [
        "ERR unknown command 'FOO'", "WRONGTYPE Operation against a key holding the wrong kind of value", "NOSCRIPT No matching script",
    ])
    func otherErrorsStayServerErrors(message: String) {
        let error = RedisError.reply(message, to: "X")
        #expect(error.code == .server, "expected a server error for '\(message)', saw \(error.code)")
    }
}
