import Foundation
import NIOConcurrencyHelpers

/// Runs blocking work (sockets, a ``AnimaRedis/RedisConnection``, `waitpid`-style polling) on a
/// thread of its own, so it never holds one of the few threads of Swift's cooperative pool.
///
/// The result goes through a lock as well as the continuation: a continuation resumed before it
/// is awaited tells ThreadSanitizer nothing of the ordering it gives (docs/reliability.md).
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let result = NIOLockedValueBox<Result<T, any Error>?>(nil)
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let thread = Thread {
            let outcome = Result { try body() }
            result.withLockedValue { $0 = outcome }
            continuation.resume()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    return try result.withLockedValue { $0! }.get()
}
