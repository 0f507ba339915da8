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
    /// Events waiting behind an earlier event of their order key (not counted in `pending`).
    public let orderedWaiting: Int
    /// Seconds since the ingress received the next event in line (see ``QueueCounts``).
    public let oldestPendingAgeSeconds: Double?
    /// The types with a limit, sorted.
    public let limited: [String]
    /// The types whose breaker is open or letting its one probe through, sorted.
    public let openBreakers: [String]
    /// Events held back by a limit or a breaker, all types together (not counted in `pending`).
    public let heldBack: Int

    enum CodingKeys: String, CodingKey {
        case pending, scheduled
        case inFlight = "in_flight"
        case dead, workers
        case workerList = "worker_list"
        case paused
        case pausedEvents = "paused_events"
        case orderedWaiting = "ordered_waiting"
        case oldestPendingAgeSeconds = "oldest_pending_age_seconds"
        case limited
        case openBreakers = "open_breakers"
        case heldBack = "held_back"
    }

    /// Reads the snapshot: the ``QueueCounts``, then the workers.
    public static func read(keys: QueueKeys, client: RedisClient) async throws(RedisError) -> QueueStats {
        let first = try await client.pipeline([RedisCommand("SMEMBERS", keys.workers), RedisCommand("TIME")])
        let ids = (first[0].array ?? []).compactMap(\.string).sorted()
        let serverNow =
            first[1].array.flatMap { parts -> Double? in
                guard parts.count == 2, let s = parts[0].int, let us = parts[1].int else { return nil }
                return Double(s) + Double(us) / 1e6
            } ?? Date().timeIntervalSince1970
        let counts = try await QueueCounts.read(keys: keys, client: client, now: Date(timeIntervalSince1970: serverNow))
        let controls = try await FlowControls(keys: keys, client: client).all()
        let second = try await client.pipeline(
            ids.flatMap { [RedisCommand("GET", keys.worker(id: $0)), RedisCommand("LLEN", keys.processing(workerID: $0))] })
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
            pending: counts.pending, scheduled: counts.scheduled, inFlight: inFlight, dead: counts.dead, workers: list.count,
            workerList: list, paused: counts.paused, pausedEvents: counts.pausedEvents, orderedWaiting: counts.orderedWaiting,
            oldestPendingAgeSeconds: counts.oldestPendingAgeSeconds, limited: controls.filter { $0.limit != nil }.map(\.type),
            openBreakers: controls.filter { $0.breaker != nil && $0.state.isOpen }.map(\.type),
            heldBack: controls.reduce(0) { $0 + $1.held }
        )
    }
}
