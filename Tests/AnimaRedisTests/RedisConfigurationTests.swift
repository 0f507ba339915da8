import AnimaRedis
import Testing

@Suite("RedisConfiguration(url:)")
struct RedisConfigurationTests {
    func parse(_ url: String) throws -> RedisConfiguration { try RedisConfiguration(url: url) }

    @Test func hostPortAndDatabase() throws {
        let c = try parse("redis://10.1.2.3:6380/4")
        #expect(c.endpoint == .tcp(host: "10.1.2.3", port: 6380), "saw \(c.endpoint)")
        #expect(c.database == 4)
        #expect(c.username == nil && c.password == nil)
    }

    @Test func portAndDatabaseDefault() throws {
        let c = try parse("redis://redis.internal")
        #expect(c.endpoint == .tcp(host: "redis.internal", port: 6379), "saw \(c.endpoint)")
        #expect(c.database == 0)
    }

    @Test func passwordOnly() throws {
        let c = try parse("redis://:s3cret@127.0.0.1:6379/0")
        #expect(c.username == nil, "saw user \(String(describing: c.username))")
        #expect(c.password == "s3cret", "saw \(String(describing: c.password))")
    }

    @Test func userAndPassword() throws {
        let c = try parse("redis://alice:s3cret@127.0.0.1:6379/2")
        #expect(
            c.username == "alice" && c.password == "s3cret",
            "saw \(String(describing: c.username)) / \(String(describing: c.password))"
        )
        #expect(c.database == 2)
    }

    @Test func percentEscapesInUserAndPasswordAreDecoded() throws {
        let c = try parse("redis://al%40ice:p%40ss%3Aw%2Fd%25@127.0.0.1:6379/0")
        #expect(c.username == "al@ice", "saw \(String(describing: c.username))")
        #expect(c.password == "p@ss:w/d%", "saw \(String(describing: c.password))")
    }

    @Test func unixSocketPath() throws {
        let c = try parse("unix:///var/run/redis/redis.sock")
        #expect(c.endpoint == .unixSocket(path: "/var/run/redis/redis.sock"), "saw \(c.endpoint)")
        #expect(c.database == 0)
    }

    @Test func unixSocketWithDatabaseAndCredentials() throws {
        let c = try parse("unix:///tmp/r.sock?db=3&password=p%26w&user=bob")
        #expect(c.endpoint == .unixSocket(path: "/tmp/r.sock"))
        #expect(
            c.database == 3 && c.password == "p&w" && c.username == "bob",
            "saw \(c.database) \(String(describing: c.password)) \(String(describing: c.username))"
        )
    }

    @Test func ipv6HostInBrackets() throws {
        let c = try parse("redis://[::1]:6390/1")
        #expect(c.endpoint == .tcp(host: "::1", port: 6390), "saw \(c.endpoint)")
    }

    @Test(arguments: [
        "", "http://127.0.0.1:6379", "127.0.0.1:6379", "redis://", "redis://:6379/0",
        "redis://127.0.0.1:notaport/0", "redis://127.0.0.1:0/0", "redis://127.0.0.1:70000/0",
        "redis://127.0.0.1:6379/x", "redis://127.0.0.1:6379/-1", "unix://relative/path.sock",
        "unix:///tmp/r.sock?db=x", "unix:///tmp/r.sock?color=blue", "redis://[::1:6379/0",
        // Found by scripts/fuzz: a query pair that starts with "=" crashed the parser.
        "unix:///tmp/r.sock?=1", "unix:///tmp/r.sock?=", "unix:///tmp/r.sock?db=1&=",
    ])
    func badURLIsInvalid(url: String) {
        do {
            let c = try RedisConfiguration(url: url)
            Issue.record("'\(url)': expected .invalidURL, parsed \(c)")
        } catch {
            #expect(error.code == .invalidURL, "'\(url)': expected .invalidURL, saw \(error.code)")
        }
    }

    @Test(arguments: [
        "redis://:hunter2@127.0.0.1:6379/0", "redis://alice:hunter2@127.0.0.1:6379/0",
        "unix:///tmp/r.sock?password=hunter2",
    ])
    func descriptionNeverShowsThePassword(url: String) throws {
        let text = "\(try parse(url))"
        #expect(!text.contains("hunter2"), "description shows the password: \(text)")
    }

    @Test func invalidURLErrorNeverShowsThePassword() {
        do {
            _ = try RedisConfiguration(url: "redis://alice:hunter2@127.0.0.1:port/0")
            Issue.record("expected .invalidURL")
        } catch {
            #expect(!error.message.contains("hunter2"), "message shows the password: \(error.message)")
            #expect(!error.description.contains("hunter2"), "description shows the password: \(error.description)")
        }
    }
}
