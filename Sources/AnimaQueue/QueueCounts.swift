public import AnimaRedis
public import Foundation
import NIOCore

/// The queue's figures as every reader shows them (the worker's gauges, `anima-admin stats`,
/// the dashboard), read in two round trips.
public struct QueueCounts: Sendable, Equatable {
    public let pending: Int
    public let scheduled: Int
    public let dead: Int
    /// The paused event types, sorted.
    public let paused: [String]
    /// Events parked while their type is paused (not counted in `pending`).
    public let pausedEvents: Int
    /// Events waiting behind an earlier event of their order key (not counted in `pending`).
    public let orderedWaiting: Int
    /// Seconds since the ingress received the next event in line; nil when none is pending or
    /// its receipt is gone.
    public let oldestPendingAgeSeconds: Double?

    public static func read(keys: QueueKeys, client: RedisClient, now: Date = Date()) async throws(RedisError) -> QueueCounts {
        let first = try await client.send([
            RedisCommand("SMEMBERS", keys.paused), RedisCommand("LLEN", keys.events), RedisCommand("ZCARD", keys.scheduled),
            RedisCommand("LLEN", keys.dead), RedisCommand("LINDEX", keys.events, -1), RedisCommand("HLEN", keys.orderWaits),
        ]).checked("read the queue's figures")
        let paused = (first[0].array ?? []).compactMap(\.string).sorted()
        var second = paused.map { RedisCommand("LLEN", keys.paused(type: $0)) }
        let oldest = first[4].bytes.map { Receipt.field(of: QueueEntry(stored: $0).body) }
        if let oldest { second.append(RedisCommand("HGET", keys.received, oldest)) }
        let replies = second.isEmpty ? [] : try await client.send(second).checked("read the queue's figures")
        var age: Double?
        if oldest != nil, let receipt = replies.last?.string.flatMap(Receipt.init) {
            age = max(0, now.timeIntervalSince1970 - receipt.receivedMilliseconds / 1000)
        }
        return QueueCounts(
            pending: first[1].int ?? 0, scheduled: first[2].int ?? 0, dead: first[3].int ?? 0, paused: paused,
            pausedEvents: replies.prefix(paused.count).reduce(0) { $0 + ($1.int ?? 0) }, orderedWaiting: first[5].int ?? 0,
            oldestPendingAgeSeconds: age
        )
    }
}
