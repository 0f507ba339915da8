public import AnimaRedis
public import Foundation
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A fresh `redis-server`, a client for it, a temp dir for the files handlers write as
/// witnesses, and every worker a test starts; all stopped (by PID) and removed afterwards,
/// whatever happens. Keys use the default prefix `anima`.
public final class PipelineFixture: Sendable {
    public let redis: RedisServer
    public let client: RedisClient
    public let directory: URL
    private let workers = NIOLockedValueBox<[WorkerProcess]>([])
    private let ingresses = NIOLockedValueBox<[IngressProcess]>([])

    /// Worker settings every test starts from: short retries, recovery and grace.
    public static let workerDefaults = [
        "ANIMA_RETRY_BASE_SECONDS": "0.2", "ANIMA_RECOVERY_SECONDS": "2", "ANIMA_SHUTDOWN_GRACE_SECONDS": "5",
        "ANIMA_HANDLER_TIMEOUT_SECONDS": "10",
    ]

    private init(redis: RedisServer) throws {
        self.redis = redis
        self.client = RedisClient(configuration: try RedisConfiguration(url: redis.url))
        self.directory = URL(fileURLWithPath: "/tmp", isDirectory: true)
            .appendingPathComponent("anima-test-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public static func run(_ body: (PipelineFixture) async throws -> Void) async throws {
        let fixture = try PipelineFixture(redis: try await RedisServer())
        try await withCleanup {
            try await body(fixture)
        } cleanup: {
            await fixture.tearDown()
        }
    }

    private func tearDown() async {
        for worker in workers.withLockedValue({ $0 }) { await worker.stop(signal: SIGKILL) }
        for ingress in ingresses.withLockedValue({ $0 }) { await ingress.stop(signal: SIGKILL) }
        await client.shutdown()
        await redis.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Workers

    /// Starts a worker with `handlers` (`--on` values) and ``workerDefaults`` overridden by
    /// `environment`; by default waits until it registered.
    @discardableResult
    public func startWorker(
        _ handlers: [String],
        environment: [String: String] = [:],
        arguments: [String] = [],
        executable: String = "anima-worker",
        waitUntilRegistered: Bool = true
    ) async throws -> WorkerProcess {
        let worker = try await WorkerProcess(
            executable: executable,
            redisURL: redis.url,
            handlers: handlers,
            arguments: arguments,
            environment: Self.workerDefaults.merging(environment) { _, new in new }
        )
        workers.withLockedValue { $0.append(worker) }
        if waitUntilRegistered { try await worker.waitUntilRegistered(client: client) }
        return worker
    }

    /// What the workers started so far wrote to stderr (their logs), one after another.
    public var workerLogs: String {
        workers.withLockedValue { $0.map(\.process.standardError).joined(separator: "\n") }
    }

    /// Starts a real `anima-ingress` in front of this Redis (stopped at teardown), with more
    /// variables in `environment`.
    public func startIngress(
        secrets: [String] = [IngressProcess.defaultSecret], environment: [String: String] = [:]
    ) async throws -> IngressProcess {
        let ingress = try await IngressProcess(redisURL: redis.url, secrets: secrets, environment: environment)
        ingresses.withLockedValue { $0.append(ingress) }
        return ingress
    }

    /// Runs `anima-admin ARGUMENTS --redis-url <this Redis>`.
    public func admin(_ arguments: String..., environment: [String: String] = [:]) async throws -> AdminProcess.Result {
        try await AdminProcess.run(arguments + ["--redis-url", redis.url], environment: environment)
    }

    // MARK: Files

    /// The absolute path of `name` in the test's temp dir.
    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The lines of `name` in the temp dir; empty when it does not exist yet.
    public func lines(_ name: String) -> [String] {
        guard let text = try? String(contentsOfFile: path(name), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    /// A shell command that appends `$ANIMA_EVENT_ID $ANIMA_EVENT_ATTEMPT` to `file`.
    public func record(to file: String = "runs.log") -> String {
        #"echo "$ANIMA_EVENT_ID $ANIMA_EVENT_ATTEMPT" >> '\#(path(file))'"#
    }

    /// A shell command that marks a handler's start in `starts.log`; see ``waitForHandlerStart()``.
    public var markStart: String { #"echo "$ANIMA_EVENT_ID $ANIMA_EVENT_ATTEMPT" >> '\#(path("starts.log"))'"# }

    /// Waits (at most `timeout`) until a handler ran ``markStart``.
    public func waitForHandlerStart(timeout: Duration = .seconds(5)) async -> Bool {
        await eventually(timeout: timeout) { !lines("starts.log").isEmpty }
    }

    /// A shell command that waits until the test calls ``openGate()``.
    public var waitForGate: String { #"while [ ! -e '\#(path("gate"))' ]; do sleep 0.05; done"# }

    /// Lets every handler waiting in ``waitForGate`` go on.
    public func openGate() throws {
        try Data().write(to: URL(fileURLWithPath: path("gate")))
    }

    // MARK: Redis

    /// LPUSHes `body` onto `anima:events`, exactly as the ingress stores it.
    public func push(_ body: [UInt8]) async throws {
        _ = try await client.send(RedisCommand("LPUSH", "anima:events", body))
    }

    public func push(_ body: String) async throws { try await push(Array(body.utf8)) }

    /// The entries of list `key`, oldest first (LPUSH puts the newest at the head).
    public func entries(_ key: String = "anima:events") async throws -> [[UInt8]] {
        let reply = try await client.send(RedisCommand("LRANGE", key, 0, -1))
        return (reply.array ?? []).compactMap { $0.bytes.map { Array(buffer: $0) } }.reversed()
    }

    /// The dead letters as stored (JSON text), newest first.
    public func deadLetters() async throws -> [String] {
        try await entries("anima:dead").reversed().map { String(decoding: $0, as: UTF8.self) }
    }

    /// LLEN, ZCARD or SCARD of `key`, by its type.
    public func count(_ key: String) async throws -> Int {
        let type = try await client.send(RedisCommand("TYPE", key)).string ?? "none"
        let command = ["zset": "ZCARD", "set": "SCARD"][type] ?? "LLEN"
        return type == "none" ? 0 : try await client.send(RedisCommand(command, key)).int ?? 0
    }

    public func get(_ key: String) async throws -> String? {
        try await client.send(RedisCommand("GET", key)).string
    }

    /// Whether `anima:event:<id>` holds the done mark.
    public func isDone(_ id: String) async throws -> Bool {
        try await get("anima:event:\(id)") == "done"
    }

    /// Waits (at most `timeout`) until every one of `ids` has its done mark.
    public func waitUntilDone(_ ids: [String], timeout: Duration = .seconds(10)) async -> Bool {
        await eventually(timeout: timeout, interval: .milliseconds(50)) {
            for id in ids where (try? await isDone(id)) != true { return false }
            return true
        }
    }

    /// Waits (at most `timeout`) until `anima:dead` holds at least `count` entries.
    public func waitForDeadLetters(_ count: Int, timeout: Duration = .seconds(10)) async -> Bool {
        await eventually(timeout: timeout, interval: .milliseconds(50)) {
            (try? await self.count("anima:dead")) ?? 0 >= count
        }
    }

    /// The outcomes recorded in `anima:history`, oldest first, each its record as JSON (`id`,
    /// `attempt`, `result`, `at`, `due_at`, …).
    public func history() async throws -> [[String: Any]] {
        let reply = try await client.send(RedisCommand("XRANGE", "anima:history", "-", "+"))
        return (reply.array ?? []).compactMap { entry in
            let fields = entry.array?.last?.array?.compactMap(\.string) ?? []
            guard let index = fields.firstIndex(of: "r"), index + 1 < fields.count else { return nil }
            return jsonObject(fields[index + 1])
        }
    }

    /// Waits (at most `timeout`) until worker `id` has written `count` more heartbeats: its
    /// upkeep ticked that often, so its loops had that many chances to act. The mark to wait for
    /// before checking that something did not happen, instead of a fixed sleep.
    public func waitForHeartbeats(of id: String, count: Int = 2, timeout: Duration = .seconds(10)) async -> Bool {
        var beats: Set<String> = []
        if let first = try? await get("anima:worker:\(id)") { beats.insert(first) }
        return await eventually(timeout: timeout) {
            if let beat = try? await get("anima:worker:\(id)") { beats.insert(beat) }
            return beats.count > count
        }
    }

    /// Whether every event is settled: nothing pending, scheduled or taken by any worker.
    public func isIdle() async throws -> Bool {
        let processing = try await client.send(RedisCommand("KEYS", "anima:processing:*")).array ?? []
        var taken = 0
        for key in processing.compactMap(\.string) { taken += try await count(key) }
        let pending = try await count("anima:events")
        let scheduled = try await count("anima:scheduled")
        return pending == 0 && scheduled == 0 && taken == 0
    }
}

/// A JSON event body with a fresh id (returned too).
public func makeEvent(_ type: String = "resource.created", data: String = #"{"n":1}"#) -> (id: String, body: String) {
    let id = "evt_" + UUID().uuidString.prefix(13).lowercased()
    return (id, #"{"id":"\#(id)","type":"\#(type)","data":\#(data)}"#)
}

/// The JSON object in `text`, nil when it is not one.
public func jsonObject(_ text: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
}
