import AnimaTestSupport
import Testing

/// One throwaway `redis-server` for a whole suite: started before its first test, stopped after
/// its last, whatever happens. Its tests reach it through ``server`` and keep apart by key
/// prefix, so a parallel run starts one server per suite instead of one per test case.
struct SharedRedisTrait: SuiteTrait, TestScoping {
    @TaskLocal static var server: RedisServer?

    var isRecursive: Bool { false }

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let redis = try await RedisServer()
        try await withCleanup {
            try await Self.$server.withValue(redis) { try await function() }
        } cleanup: {
            await redis.stop()
        }
    }
}

extension Trait where Self == SharedRedisTrait {
    /// One `redis-server` for the suite (see ``SharedRedisTrait``).
    static var sharedRedis: Self { SharedRedisTrait() }
}
