import Foundation
import Glibc

/// A run of `scripts/chaos` with the test build's executables, killed with its whole process
/// group when it outlives `timeout` (Foundation starts it as the leader of a group of its own,
/// which python, the redis-servers, Sentinels, ingresses and workers join).
public struct ChaosScript: Sendable {
    /// How the script ended: nil when it was still running at the timeout.
    public let status: ManagedProcess.ExitStatus?
    public let standardOutput: String
    /// Standard output, then standard error: for failure messages.
    public let output: String
    public let timeout: Duration

    /// The script's last line of standard output, its summary (`chaos: sent=… lost=…`).
    public var lastLine: String { standardOutput.split(separator: "\n").last.map(String.init) ?? "" }

    /// Runs `scripts/chaos` with `arguments` and the environment's extra `variables`.
    public static func run(_ arguments: [String], variables: [String: String] = [:], timeout: Duration) async throws -> ChaosScript {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var environment = ProcessInfo.processInfo.environment
        environment["ANIMA_BIN_DIR"] = ManagedProcess.binDirectory.path
        environment.merge(variables) { _, new in new }
        let run = try await ManagedProcess(
            root.appendingPathComponent("scripts/chaos").path, arguments: arguments, environment: environment)
        let bound = TestTime.scaled(timeout)
        let status = await run.waitForExit(timeout: bound)
        if status == nil {
            kill(-run.pid, SIGKILL)
            kill(run.pid, SIGKILL)
            _ = await run.waitForExit(timeout: .seconds(10))
        }
        return ChaosScript(
            status: status, standardOutput: run.standardOutput, output: run.standardOutput + run.standardError, timeout: bound)
    }

    /// `status` for a failure message.
    public var statusText: String { status.map(\.description) ?? "still running after \(timeout)" }
}
