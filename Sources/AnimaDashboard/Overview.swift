import AnimaQueue
import AnimaRedis
import Foundation
import NIOCore

/// What the overview page and `GET /api/overview` show: the queue's figures, the workers,
/// the paused types, the last hour's throughput and how long the oldest pending event waited.
struct Overview: Sendable {
    let stats: QueueStats
    let chart: ThroughputChart
    /// Seconds since the ingress received the oldest pending event; nil when not measurable.
    let oldestPendingAgeSeconds: Double?

    static func read(keys: QueueKeys, client: RedisClient, now: Date) async throws(RedisError) -> Overview {
        let stats = try await QueueStats.read(keys: keys, client: client)
        let chart = try await ThroughputChart.read(keys: keys, client: client, now: now)
        let age = try await oldestPendingAge(keys: keys, client: client, now: now)
        return Overview(stats: stats, chart: chart, oldestPendingAgeSeconds: age)
    }

    /// The oldest pending event is at the taking (right) end; its receipt in `anima:received`
    /// (keyed by the SHA-1 of its raw body) says when the ingress received it.
    static func oldestPendingAge(keys: QueueKeys, client: RedisClient, now: Date) async throws(RedisError) -> Double? {
        guard let stored = try await client.send(RedisCommand("LINDEX", keys.events, -1)).bytes else { return nil }
        let body = QueueEntry(stored: stored).body
        guard let receipt = try await client.send(RedisCommand("HGET", keys.received, SHA1Hex.of(body))).string.flatMap(Receipt.init)
        else { return nil }
        return max(0, now.timeIntervalSince1970 - receipt.receivedMilliseconds / 1000)
    }
}
