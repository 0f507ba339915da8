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
        return Overview(stats: stats, chart: chart, oldestPendingAgeSeconds: stats.oldestPendingAgeSeconds)
    }
}
