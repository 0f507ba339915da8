import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import AnimaWorker
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import Tracing

/// A ``Worker`` with Swift handlers, running in this process against a throwaway Redis, and a
/// client to feed and inspect the queue.
struct RuntimeFixture {
    let redis: RedisClient
    let keys = QueueKeys()
    let worker: Worker
    let group: ServiceGroup
    let running: Task<Void, any Error>

    /// Stops the worker as SIGTERM would, and waits until it has stopped.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }

    /// Puts a raw body on the pending list, as the ingress does.
    func push(_ body: String) async throws {
        _ = try await redis.send(RedisCommand("LPUSH", keys.events, body))
    }

    /// Puts a raw body on the pending list with the receipt the ingress would leave beside it:
    /// received at `receivedAt` (ms since 1970), signed by the sender at `sentAt` (s).
    func push(_ body: String, receivedAt: Int64, sentAt: Int64) async throws {
        let digest = SHA1Hex.of(ByteBuffer(string: body))
        _ = try await redis.send([
            RedisCommand("HSET", keys.received, digest, "\(receivedAt) \(sentAt)"), RedisCommand("LPUSH", keys.events, body),
        ])
    }

    static func event(_ id: String, type: String = "test.event") -> String {
        #"{"id":"\#(id)","type":"\#(type)","data":{}}"#
    }

    func doneMark(_ id: String) async throws -> String? {
        try await redis.send(RedisCommand("GET", keys.event(id: id))).string
    }

    func count(_ command: String, _ key: String) async throws -> Int {
        try await redis.send(RedisCommand(command, key)).int ?? -1
    }

    /// The value of one `anima_worker_events_total` counter, 0 when not yet reported.
    func events(_ result: String) -> Int {
        let prefix = #"anima_worker_events_total{result="\#(result)"} "#
        for line in worker.metrics.render().split(separator: "\n") where line.hasPrefix(prefix) {
            return Int(Double(line.dropFirst(prefix.count)) ?? -1)
        }
        return 0
    }

    /// The `_sum` of one of the per-type histograms, in seconds; nil when not yet reported.
    func histogramSum(_ name: String, type: String) -> Double? {
        let prefix = #"\#(name)_sum{type="\#(type)"} "#
        for line in worker.metrics.render().split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.dropFirst(prefix.count))
        }
        return nil
    }
}

/// Runs `body` against a started worker, then stops the worker gracefully, waits for it, and
/// stops the server. With `tracer`, the worker is made with it as the active tracer.
func withWorker(
    handlers: HandlerRegistry,
    tracer: (any Tracer)? = nil,
    configure: (inout WorkerConfiguration) -> Void = { _ in },
    _ body: (RuntimeFixture) async throws -> Void
) async throws {
    let server = try await RedisServer()
    let redisConfiguration = try RedisConfiguration(url: server.url)
    var configuration = WorkerConfiguration(
        redis: redisConfiguration,
        concurrency: 4,
        retryBase: .seconds(60),
        recovery: .seconds(4),
        deferDelay: .milliseconds(50),
        blockTime: .milliseconds(100),
        workerID: "w-runtime"
    )
    configure(&configuration)
    let logger = Logger(label: "anima.test.worker") { _ in SwiftLogNoOpLogHandler() }
    let make = { Worker(configuration: configuration, handlers: handlers, logger: logger) }
    let worker = tracer.map { withTracer($0, make) } ?? make()
    let group = ServiceGroup(configuration: .init(services: [worker], logger: logger))
    let running = Task { try await group.run() }
    let fixture = RuntimeFixture(redis: RedisClient(configuration: redisConfiguration), worker: worker, group: group, running: running)
    try await withCleanup {
        try await body(fixture)
    } cleanup: {
        try? await fixture.stop()
        await fixture.redis.shutdown()
        await server.stop()
    }
}

/// Marks that handlers leave, read by the test, and a gate the test opens for them.
final class Marks: Sendable {
    private let state = NIOLockedValueBox<(running: Int, mostAtOnce: Int, started: [String], attempts: [Int])>((0, 0, [], []))
    private let gate = NIOLockedValueBox(false)

    func start(_ id: String, attempt: Int = 1) {
        state.withLockedValue {
            $0.running += 1
            $0.mostAtOnce = max($0.mostAtOnce, $0.running)
            $0.started.append(id)
            $0.attempts.append(attempt)
        }
    }
    func end() { state.withLockedValue { $0.running -= 1 } }
    var started: [String] { state.withLockedValue { $0.started } }
    var attempts: [Int] { state.withLockedValue { $0.attempts } }
    var mostAtOnce: Int { state.withLockedValue { $0.mostAtOnce } }
    var running: Int { state.withLockedValue { $0.running } }
    /// A gate that handlers wait at (bounded) until the test opens it.
    func open() { gate.withLockedValue { $0 = true } }
    var isOpen: Bool { gate.withLockedValue { $0 } }

    /// A handler's body: marks its start, waits at the gate (at most 20 s), marks its end. The
    /// gate opens by itself once `opensAt` handlers have started, when given.
    func runUntilOpen(_ id: String, opensAt: Int? = nil) async {
        start(id)
        defer { end() }
        if let opensAt, started.count >= opensAt { open() }
        _ = await eventually(timeout: .seconds(20)) { self.isOpen }
    }
}
