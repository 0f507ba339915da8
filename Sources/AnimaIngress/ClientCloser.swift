import AnimaRedis
import ServiceLifecycle

/// Shuts a ``RedisClient`` down when the application stops.
struct ClientCloser: Service {
    let client: RedisClient

    func run() async throws {
        try? await gracefulShutdown()
        await client.shutdown()
    }
}
