/// Runs `operation`, cancelling it if it is still running after `bound` (scaled by
/// ``TestTime``); returns nil then. The bound only keeps a broken build from hanging the suite:
/// no test asserts how long the operation took.
public func bounded<T: Sendable>(
    by bound: Duration = .seconds(60),
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try? await Task.sleep(for: TestTime.scaled(bound))
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}
