public import AnimaRedis
import Foundation
import NIOCore
import NIOFoundationCompat

/// A snapshot of the queue for operators: `anima-admin stats`.
public struct QueueStats: Sendable, Codable {
    public struct WorkerInfo: Sendable, Codable {
        public let id: String
        /// Seconds since its last heartbeat; nil when its heartbeat has no time in it.
        public let heartbeatAgeSeconds: Double?
        public let inFlight: Int
        public let pid: Int?
        public let concurrency: Int?

        enum CodingKeys: String, CodingKey {
            case id
            case heartbeatAgeSeconds = "heartbeat_age_seconds"
            case inFlight = "in_flight"
            case pid, concurrency
        }
    }

    public let pending: Int
    public let scheduled: Int
    public let inFlight: Int
    public let dead: Int
    /// Live worker processes (registered, heartbeat not expired).
    public let workers: Int
    public let workerList: [WorkerInfo]
    /// The paused event types, sorted.
    public let paused: [String]
    /// Events parked while their type is paused (not counted in `pending`).
    public let pausedEvents: Int

    enum CodingKeys: String, CodingKey {
        case pending, scheduled
        case inFlight = "in_flight"
        case dead, workers
        case workerList = "worker_list"
        case paused
        case pausedEvents = "paused_events"
    }

    /// Reads the snapshot in two round trips.
    public static func read(keys: QueueKeys, client: RedisClient) async throws(RedisError) -> QueueStats {
        let first = try await client.pipeline([
            RedisCommand("LLEN", keys.events), RedisCommand("ZCARD", keys.scheduled), RedisCommand("LLEN", keys.dead),
            RedisCommand("SMEMBERS", keys.workers), RedisCommand("TIME"), RedisCommand("SMEMBERS", keys.paused),
        ])
        let paused = (first[5].array ?? []).compactMap(\.string).sorted()
        let ids = (first[3].array ?? []).compactMap(\.string).sorted()
        let serverNow =
            first[4].array.flatMap { parts -> Double? in
                guard parts.count == 2, let s = parts[0].int, let us = parts[1].int else { return nil }
                return Double(s) + Double(us) / 1e6
            } ?? Date().timeIntervalSince1970
        var commands: [RedisCommand] = []
        for id in ids {
            commands.append(RedisCommand("GET", keys.worker(id: id)))
            commands.append(RedisCommand("LLEN", keys.processing(workerID: id)))
        }
        commands += paused.map { RedisCommand("LLEN", keys.paused(type: $0)) }
        let second = try await client.pipeline(commands)
        let pausedEvents = second.suffix(paused.count).reduce(0) { $0 + ($1.int ?? 0) }
        var list: [WorkerInfo] = []
        var inFlight = 0
        for (index, id) in ids.enumerated() {
            let processing = second[2 * index + 1].int ?? 0
            inFlight += processing
            guard let info = second[2 * index].bytes else { continue }  // heartbeat expired: not live
            let beat = WorkerHeartbeat(stored: Data(buffer: info))
            list.append(
                WorkerInfo(
                    id: id,
                    heartbeatAgeSeconds: beat.map { max(0, serverNow - Double($0.beat) / 1000) },
                    inFlight: processing,
                    pid: beat?.pid,
                    concurrency: beat?.concurrency
                )
            )
        }
        return QueueStats(
            pending: first[0].int ?? 0,
            scheduled: first[1].int ?? 0,
            inFlight: inFlight,
            dead: first[2].int ?? 0,
            workers: list.count,
            workerList: list,
            paused: paused,
            pausedEvents: pausedEvents
        )
    }
}
