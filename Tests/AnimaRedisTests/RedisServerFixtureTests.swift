import AnimaRedis
import AnimaTestSupport
import Testing

/// The test fixture itself: other suites rely on it stopping and restarting promptly.
@Suite("RedisServer fixture")
struct RedisServerFixtureTests {
    @Test func stopHonoursSigterm() async throws {
        let server = try await RedisServer()
        await server.stop()
        // Not a time bound (a loaded 2-core machine can take seconds): how the server ended.
        #expect(
            server.lastStopOutcome == .exited(0),
            "expected the server to exit 0 on SIGTERM, saw \(String(describing: server.lastStopOutcome))")
        #expect(!server.isRunning)
    }

    @Test func restartKeepsThePort() async throws {
        let server = try await RedisServer()
        let port = server.port
        await server.stop()
        try await server.start()
        #expect(server.port == port && server.isRunning)
        try await withClient(server.url) { client in
            let pong = try await client.send(RedisCommand("PING"))
            #expect(pong == .status("PONG"), "saw \(pong)")
        }
    }
}
