public import AnimaRedis
import Foundation

/// Limits and breakers per event type, kept in Redis (`anima:limits`, `anima:breakers`), as
/// the admin sets them and workers read them (every tick). The rules themselves run in
/// ``FlowScripts``.
public struct FlowControls: Sendable {
    public let keys: QueueKeys
    private let client: RedisClient

    public init(keys: QueueKeys, client: RedisClient) {
        self.keys = keys
        self.client = client
    }

    /// One type's limit, breaker and held events, as every reader shows them.
    public struct Control: Sendable, Equatable {
        public let type: String
        public var limit: FlowLimit?
        public var breaker: BreakerSettings?
        public var state: BreakerState = .closed
        /// Events held back, waiting in `anima:held:<type>`.
        public var held: Int = 0
        /// Attempts running under the concurrency limit now.
        public var running: Int = 0
    }

    /// Sets (replaces) the limit of `type`.
    public func setLimit(_ limit: FlowLimit, for type: String) async throws(RedisError) {
        _ = try await client.send(RedisCommand("HSET", keys.limits, type, Self.json(limit)))
    }

    /// Removes the limit of `type`, and queues its held events again when nothing else holds
    /// them back. `removed` is false when it had none.
    public func clearLimit(of type: String) async throws(RedisError) -> (removed: Bool, released: Int) {
        let removed = try await client.send(RedisCommand("HDEL", keys.limits, type)).int == 1
        _ = try await client.send(RedisCommand("DEL", keys.flowSlots(type: type), keys.flowRate(type: type)))
        return (removed, try await releaseIfFree(type))
    }

    /// Sets (replaces) the breaker of `type`; its state is kept.
    public func setBreaker(_ settings: BreakerSettings, for type: String) async throws(RedisError) {
        _ = try await client.send(RedisCommand("HSET", keys.breakers, type, Self.json(settings)))
    }

    /// Removes the breaker of `type` and its state, and queues its held events again when
    /// nothing else holds them back. `removed` is false when it had none.
    public func clearBreaker(of type: String) async throws(RedisError) -> (removed: Bool, released: Int) {
        let removed = try await client.send(RedisCommand("HDEL", keys.breakers, type)).int == 1
        _ = try await client.send(RedisCommand("DEL", keys.breakerState(type: type)))
        return (removed, try await releaseIfFree(type))
    }

    /// Closes the breaker of `type` at once, its counts started afresh. False when it has none.
    public func resetBreaker(of type: String) async throws(RedisError) -> Bool {
        let replies = try await client.send([
            RedisCommand("HEXISTS", keys.breakers, type), RedisCommand("DEL", keys.breakerState(type: type)),
        ])
        return replies[0].int == 1
    }

    /// Every type with a limit, a breaker or held events, sorted by type.
    public func all() async throws(RedisError) -> [Control] {
        let first = try await client.send([RedisCommand("HGETALL", keys.limits), RedisCommand("HGETALL", keys.breakers)])
            .checked("read the limits and breakers")
        var controls: [String: Control] = [:]
        for (type, raw) in Self.pairs(first[0]) {
            controls[type, default: Control(type: type)].limit = Self.decode(FlowLimit.self, raw)
        }
        for (type, raw) in Self.pairs(first[1]) {
            controls[type, default: Control(type: type)].breaker = Self.decode(BreakerSettings.self, raw)
        }
        let types = controls.keys.sorted()
        if types.isEmpty { return [] }
        let now = Double(Date().timeIntervalSince1970 * 1000)
        let replies = try await client.send(
            types.flatMap { type in
                [
                    RedisCommand("LLEN", keys.held(type: type)), RedisCommand("HMGET", keys.breakerState(type: type), "state", "until"),
                    RedisCommand("ZCOUNT", keys.flowSlots(type: type), String(format: "%.0f", now), "+inf"),
                ]
            }
        ).checked("read the limits and breakers")
        return types.enumerated().map { index, type in
            var control = controls[type]!
            control.held = replies[index * 3].int ?? 0
            let state = replies[index * 3 + 1].array ?? []
            if control.breaker != nil { control.state = BreakerState(state: state.first?.string, until: state.last?.string) }
            control.running = replies[index * 3 + 2].int ?? 0
            return control
        }
    }

    /// Moves the held events of `type` back to the taking end of the pending list, oldest
    /// taken first, once no limit or breaker is left for it. (One set again meanwhile holds
    /// them back again at their claim.)
    private func releaseIfFree(_ type: String) async throws(RedisError) -> Int {
        let controlled = try await client.send([RedisCommand("HEXISTS", keys.limits, type), RedisCommand("HEXISTS", keys.breakers, type)])
        if controlled.contains(where: { $0.int == 1 }) { return 0 }
        return try await HeldRelease.all(from: keys.held(type: type), to: keys.events, client: client)
    }

    private static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ raw: String) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(raw.utf8))
    }

    /// The field-value pairs of an `HGETALL` reply.
    private static func pairs(_ reply: RedisValue) -> [(String, String)] {
        let items = reply.array ?? []
        return stride(from: 0, to: items.count - 1, by: 2).compactMap { index in
            items[index].string.flatMap { field in items[index + 1].string.map { (field, $0) } }
        }
    }
}
