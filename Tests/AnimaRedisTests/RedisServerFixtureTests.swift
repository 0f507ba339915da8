import AnimaRedis
import AnimaTestSupport
import Testing

/// The test fixture itself: other suites rely on it stopping and restarting promptly.
@Suite("RedisServer fixture")
struct RedisServerFixtureTests {
    @Test func stopHonoursSigtermPromptly() async throws {
        let server = try await RedisServer()
        let started = ContinuousClock.now
        await server.stop()
        let took = ContinuousClock.now - started
        #expect(took < .seconds(1), "SIGTERM stop took \(took): the server ignored SIGTERM and was killed")
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
