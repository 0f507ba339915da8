public import AnimaRedis
import Foundation

#if canImport(Glibc)
public import Glibc
#elseif canImport(Musl)
public import Musl
#endif

/// The real `anima-worker` binary (or another executable built on the worker runtime) against a
/// given Redis, with a known worker id so tests can see it register in `<prefix>:workers`.
public final class WorkerProcess: Sendable {
    public let process: ManagedProcess
    /// `ANIMA_WORKER_ID`.
    public let id: String
    public let keyPrefix: String

    /// - Parameters:
    ///   - handlers: the `--on TYPE=HANDLER` values.
    ///   - environment: more variables; they override the defaults (worker id, log level).
    public init(
        executable: String = "anima-worker",
        redisURL: String,
        handlers: [String],
        arguments: [String] = [],
        environment extra: [String: String] = [:]
    ) async throws {
        var environment = [
            "REDIS_URL": redisURL, "ANIMA_WORKER_ID": "w-" + UUID().uuidString.prefix(8).lowercased(),
            "ANIMA_LOG_LEVEL": "info",
        ]
        environment.merge(extra) { _, new in new }
        self.id = environment["ANIMA_WORKER_ID"]!
        self.keyPrefix = environment["ANIMA_KEY_PREFIX"] ?? "anima"
        self.process = try await ManagedProcess(
            executable,
            arguments: handlers.flatMap { ["--on", $0] } + arguments,
            environment: environment
        )
    }

    public var pid: Int32 { process.pid }
    public var isRunning: Bool { process.isRunning }

    /// Waits until the worker's id is in `<prefix>:workers` (it took its first heartbeat).
    /// Throws with its output when it ends first or `timeout` passes.
    public func waitUntilRegistered(client: RedisClient, timeout: Duration = TestTime.scaled(.seconds(60))) async throws {
        let registered = await eventually(timeout: timeout, interval: .milliseconds(20)) {
            guard process.isRunning else { return true }
            let reply = try? await client.send(RedisCommand("SISMEMBER", "\(keyPrefix):workers", id))
            return reply?.int == 1
        }
        guard registered, process.isRunning else {
            await process.terminate(signal: SIGKILL)
            throw ManagedProcess.Failure(
                description: "worker \(id) did not register within \(timeout) (\(process.exitStatus.map(\.description) ?? "running"));"
                    + " stderr: \(process.standardError)"
            )
        }
    }

    /// SIGTERM (or `signal`), bounded wait, then SIGKILL; how it ended.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(10)) async -> ManagedProcess.ExitStatus {
        await process.terminate(signal: signal, timeout: timeout)
    }
}
