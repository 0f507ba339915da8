import AnimaQueue
import Foundation

/// Runs blocking work (sockets, a ``AnimaRedis/RedisConnection``, `waitpid`-style polling) on a
/// thread of its own, so it never holds one of the few threads of Swift's cooperative pool.
/// The result comes back through an `Answer`, whose lock makes the hand-over visible to
/// ThreadSanitizer (docs/reliability.md).
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let answer = Answer<Result<T, any Error>>()
    let thread = Thread { answer.give(Result { try body() }) }
    thread.stackSize = 1 << 20
    thread.start()
    return try await answer.wait().get()
}
