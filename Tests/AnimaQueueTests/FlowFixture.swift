import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import Foundation
import NIOCore

/// Two workers' queues on one fresh Redis, for flow control: what one worker's attempt takes
/// (a slot, a share of the rate, the probe), the other sees.
struct FlowFixture {
    static let type = "resource.updated"
    let a: WorkerQueue
    let b: WorkerQueue
    let redis: RedisClient
    var controls: FlowControls { FlowControls(keys: a.keys, client: redis) }

    static func run(_ body: (FlowFixture) async throws -> Void) async throws {
        let server = try await RedisServer()
        let configuration = try RedisConfiguration(url: server.url)
        let clients = (0..<5).map { _ in RedisClient(configuration: configuration) }
        let keys = QueueKeys()
        let fixture = FlowFixture(
            a: WorkerQueue(keys: keys, workerID: "w-a", operations: clients[0], fetcher: clients[1]),
            b: WorkerQueue(keys: keys, workerID: "w-b", operations: clients[2], fetcher: clients[3]),
            redis: clients[4])
        do {
            try await body(fixture)
        } catch {
            for client in clients { await client.shutdown() }
            throw error
        }
        for client in clients { await client.shutdown() }
    }

    static func event(_ id: String, type: String = type) -> String { #"{"id":"\#(id)","type":"\#(type)"}"# }

    func push(_ ids: [String], type: String = type) async throws {
        for id in ids { _ = try await redis.send(RedisCommand("LPUSH", a.keys.events, Self.event(id, type: type))) }
    }

    /// The id and type of a stored entry, as the worker's parser reads them.
    static func parse(_ stored: ByteBuffer) -> (id: String, type: String) {
        let object =
            try? JSONSerialization.jsonObject(with: Data(String(buffer: QueueEntry(stored: stored).body).utf8)) as? [String: String]
        return (object?["id"] ?? "?", object?["type"] ?? "?")
    }

    /// Takes up to `limit` pending events; the claim admits every event of `type`.
    func take(_ queue: WorkerQueue, limit: Int = 10, lease: Duration = .seconds(30)) async throws -> [WorkerQueue.Taken<String>] {
        try await queue.takeAndClaim(
            limit: limit, block: .milliseconds(50), lease: lease, token: Self.tokens(queue),
            parse: { stored in
                let id = Self.parse(stored).id
                return (id, id)
            },
            admit: { _ in Self.type })
    }

    /// Takes back up to `limit` held events of `type`.
    func takeHeld(_ queue: WorkerQueue, limit: Int = 10, lease: Duration = .seconds(30)) async throws -> [WorkerQueue.Taken<String>] {
        try await queue.takeHeld(
            type: Self.type, limit: limit, order: nil, lease: lease, slotStem: "slot:\(queue.workerID):\(UUID().uuidString):",
            token: Self.tokens(queue),
            parse: { stored in
                let id = Self.parse(stored).id
                return (id, id)
            })
    }

    private static func tokens(_ queue: WorkerQueue) -> @Sendable () -> String {
        { "lease:\(queue.workerID):\(UUID().uuidString)" }
    }

    /// Settles a taken event as done (or failed: scheduled again), releasing its admission.
    /// `replyLost`: the call runs, then is sent again as after a lost reply; the second reply
    /// is the one returned.
    @discardableResult
    func finish(
        _ queue: WorkerQueue, _ taken: WorkerQueue.Taken<String>, failed: Bool = false, replyLost: Bool = false
    ) async throws -> BreakerTransition? {
        let step: Settlement.Step =
            failed ? .schedule(taken.stored, after: .seconds(60), releasing: taken.lease) : .complete(taken.lease!)
        let flows = taken.flow.map { [FlowRelease($0, failed ? .failure : .success, settlement: 0)] } ?? []
        let settlements = [Settlement(entry: taken.stored, step: step)]
        if replyLost { _ = try await queue.settle(settlements, flows: flows, recording: nil) }
        return try await queue.settle(settlements, flows: flows, recording: nil, again: replyLost).transitions.first ?? nil
    }

    /// The ids held back for `type`, oldest first.
    func held(type: String = type) async throws -> [String] {
        let entries = try await redis.send(RedisCommand("LRANGE", a.keys.held(type: type), 0, -1)).array ?? []
        return entries.compactMap(\.bytes).map { Self.parse($0).id }.reversed()
    }

    func breakerField(_ field: String, type: String = type) async throws -> String? {
        try await redis.send(RedisCommand("HGET", a.keys.breakerState(type: type), field)).string
    }
}
