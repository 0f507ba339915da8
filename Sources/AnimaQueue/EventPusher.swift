public import AnimaRedis
public import Logging
import NIOConcurrencyHelpers
public import NIOCore
public import ServiceLifecycle

/// Pushes raw events onto the pending list, combining the pushes of concurrent callers into one
/// `LPUSH key v1 v2 …` round trip (group commit).
///
/// Each caller still gets its answer only after Redis acknowledged the batch that held its own
/// event. One connection on its own thread does all pushes: while one batch is on the wire the
/// next one gathers, so throughput grows with concurrency instead of queueing behind one round
/// trip per request.
///
/// Run it as a `Service` (``run()``); on graceful shutdown it pushes what is waiting, then stops.
public final class EventPusher: Service, Sendable {
    private let client: RedisClient
    private let key: String
    private let maxPending: Int
    private let maxBatch: Int
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var waiting: [PendingPush] = []
        /// The batch on the wire, so that the sweeper can answer it in time if Redis hangs.
        var inFlight: [PendingPush] = []
        var drainer: CheckedContinuation<Void, Never>?
        var stopping = false
    }

    /// How often waiting callers are checked against their deadlines.
    private static let sweepInterval = Duration.milliseconds(50)

    /// Pushes only while the list holds fewer than `ARGV[1]` entries; returns how many of the
    /// values (in order) were pushed.
    static let boundedPush = RedisScript(
        """
        local room = tonumber(ARGV[1]) - redis.call('LLEN', KEYS[1])
        local n = #ARGV - 1
        if room < n then n = room end
        if n <= 0 then return 0 end
        for i = 2, n + 1 do redis.call('LPUSH', KEYS[1], ARGV[i]) end
        return n
        """
    )

    /// - Parameters:
    ///   - client: the connection to push on; used by this pusher alone.
    ///   - key: the pending list (`anima:events`).
    ///   - maxPending: refuse events while this many wait (0: no limit).
    ///   - maxBatch: the most events in one round trip.
    public init(client: RedisClient, key: String, maxPending: Int = 0, maxBatch: Int = 256, logger: Logger) {
        self.client = client
        self.key = key
        self.maxPending = maxPending
        self.maxBatch = maxBatch
        self.logger = logger
    }

    /// Stores `body` on the pending list, waiting at most `timeout` for Redis.
    /// (Within about 50 ms: one sweeper answers late callers, instead of a timer per request.)
    public func push(_ body: ByteBuffer, timeout: Duration) async -> PushOutcome {
        let item = PendingPush(body: body, deadline: .now + timeout)
        let outcome = await withCheckedContinuation { continuation in
            item.install(continuation)
            let accepted = state.withLockedValue { state -> CheckedContinuation<Void, Never>?? in
                if state.stopping { return .none }
                state.waiting.append(item)
                defer { state.drainer = nil }
                return .some(state.drainer)
            }
            guard let drainer = accepted else {
                item.resolve(.unavailable(reason: "the ingress is shutting down"))
                return
            }
            drainer?.resume()
        }
        return item.outcome ?? outcome
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.sweep() }
                while let batch = await nextBatch() {
                    await push(batch)
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            let drainer = self.state.withLockedValue { state in
                state.stopping = true
                defer { state.drainer = nil }
                return state.drainer
            }
            drainer?.resume()
        }
        await client.shutdown()
    }

    /// Waits for work; nil once stopping with nothing left.
    private func nextBatch() async -> [PendingPush]? {
        while true {
            enum Step {
                case batch([PendingPush])
                case finished, wait
            }
            let step = state.withLockedValue { state -> Step in
                if !state.waiting.isEmpty {
                    let count = min(state.waiting.count, maxBatch)
                    let batch = Array(state.waiting.prefix(count))
                    state.waiting.removeFirst(count)
                    return .batch(batch)
                }
                return state.stopping ? .finished : .wait
            }
            switch step {
            case .batch(let batch): return batch
            case .finished: return nil
            case .wait:
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLockedValue { state -> Bool in
                        if !state.waiting.isEmpty || state.stopping { return true }
                        state.drainer = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// Answers `.timedOut` to callers past their deadline, waiting or on the wire.
    private func sweep() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.sweepInterval)
            let now = ContinuousClock.now
            let late = state.withLockedValue { state in
                (state.waiting + state.inFlight).filter { $0.deadline <= now }
            }
            for item in late { item.resolve(.timedOut) }
        }
    }

    private func push(_ batch: [PendingPush]) async {
        let live = batch.filter { !$0.isResolved }
        if live.isEmpty { return }
        state.withLockedValue { $0.inFlight = live }
        defer { state.withLockedValue { $0.inFlight = [] } }
        let bodies: [any RedisArgument] = live.map(\.body)
        let key = self.key
        let maxPending = self.maxPending
        do {
            let stored = try await client.withConnection { connection throws(RedisError) -> Int in
                if maxPending > 0 {
                    let reply = try connection.evaluate(Self.boundedPush, keys: [key], arguments: [maxPending] + bodies)
                    return reply.int ?? 0
                }
                let reply = try connection.send(RedisCommand("LPUSH", arguments: [key] + bodies))
                guard reply.int != nil else {
                    throw RedisError(.unexpectedReply, "LPUSH answered \(reply)")
                }
                return bodies.count
            }
            for (index, item) in live.enumerated() {
                item.resolve(index < stored ? .stored : .queueFull)
            }
        } catch {
            logger.warning("push failed: \(error)", metadata: ["anima.batch.size": "\(live.count)"])
            for item in live { item.resolve(.unavailable(reason: error.description)) }
        }
    }
}
