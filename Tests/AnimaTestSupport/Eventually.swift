/// Polls `condition` every `interval` until it holds or `timeout` (scaled by ``TestTime``) passes;
/// returns whether it held.
/// The bounded replacement for sleeps in tests: `#expect(await eventually { ... }, "...")`.
public func eventually(
    timeout: Duration = .seconds(30),
    interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + TestTime.scaled(timeout)
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: interval)
    }
}
