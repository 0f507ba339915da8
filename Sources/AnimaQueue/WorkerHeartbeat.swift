public import Foundation

/// What a worker writes to `anima:worker:<id>` on every tick, and what `anima-admin stats`
/// reads back: `{"pid":…,"concurrency":…,"started":"<ISO 8601>","beat":<ms since 1970>,"order_key":…}`.
public struct WorkerHeartbeat: Codable, Sendable, Equatable {
    public var pid: Int
    public var concurrency: Int
    /// When the worker process started (ISO 8601).
    public var started: String
    /// When this heartbeat was written, in milliseconds since 1970.
    public var beat: Int64
    /// The worker's `ANIMA_ORDER_KEY`; absent when it orders nothing. Workers compare it when
    /// they register (see ``WorkerRegistration``).
    public var orderKey: String?

    enum CodingKeys: String, CodingKey {
        case pid, concurrency, started, beat
        case orderKey = "order_key"
    }

    public init(pid: Int, concurrency: Int, started: String, beat: Int64, orderKey: String? = nil) {
        self.pid = pid
        self.concurrency = concurrency
        self.started = started
        self.beat = beat
        self.orderKey = orderKey
    }

    /// A heartbeat written now.
    public init(pid: Int, concurrency: Int, started: String, at now: Date = Date(), orderKey: String? = nil) {
        self.init(pid: pid, concurrency: concurrency, started: started, beat: Int64(now.timeIntervalSince1970 * 1000), orderKey: orderKey)
    }

    /// The JSON stored in Redis.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// A stored heartbeat; nil when it is not one.
    public init?(stored: Data) {
        guard let beat = try? JSONDecoder().decode(Self.self, from: stored) else { return nil }
        self = beat
    }
}
