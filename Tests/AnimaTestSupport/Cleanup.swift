/// Runs `body`, then `cleanup` whether `body` threw or not, and rethrows `body`'s error: the
/// async `defer` that fixtures need to stop their processes after every test.
public func withCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async throws -> T {
    let value: T
    do {
        value = try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return value
}
