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
        // The fallback SIGKILL comes after 5 s; anything well below that means SIGTERM was honoured
        // (a loaded 2-core CI machine can take over a second to stop a server).
        #expect(took < TestTime.scaled(.seconds(3)), "SIGTERM stop took \(took): the server ignored SIGTERM and was killed")
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
