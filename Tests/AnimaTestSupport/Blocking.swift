import Foundation

/// Runs blocking work (sockets, a ``AnimaRedis/RedisConnection``, `waitpid`-style polling) on a
/// thread of its own, so it never holds one of the few threads of Swift's cooperative pool.
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
