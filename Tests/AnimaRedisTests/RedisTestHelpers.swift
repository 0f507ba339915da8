import AnimaRedis
import AnimaTestSupport
import Foundation

/// Runs `body` with a client for `url`, shut down afterwards whatever happens.
func withClient<T: Sendable>(
    _ url: String,
    commandTimeout: Duration? = nil,
    _ body: (RedisClient) async throws -> T
) async throws -> T {
    var configuration = try RedisConfiguration(url: url)
    if let commandTimeout { configuration.commandTimeout = commandTimeout }
    let client = RedisClient(configuration: configuration)
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}

/// The `RedisError` that `body` throws, nil when it throws none.
func redisError(_ body: () async throws -> Void) async -> RedisError? {
    do {
        try await body()
        return nil
    } catch let error as RedisError {
        return error
    } catch {
        return nil
    }
}

/// The code of the `RedisError` that `body` throws, nil when it throws none.
func redisErrorCode(_ body: () async throws -> Void) async -> RedisError.Code? {
    await redisError(body)?.code
}

/// A key no other test uses.
func uniqueKey(_ name: String = #function) -> String {
    "test:\(name.prefix { $0 != "(" }):\(UUID().uuidString)"
}
